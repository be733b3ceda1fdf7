/**
 * `npm run bench:matching [-- --only quality|scale|incremental|dense] [flags below]`
 *
 * The matching engine on the Saale 2013 flood scenario (src/scenario/saale-2013.ts), sized by
 * helpers × slots (a slot is one unit of a shift's headcount), and on a dense city
 * (src/scenario/urban-flood.ts), sized by helpers × shifts. Four sections, Markdown tables:
 * - quality: engine and a priority-greedy baseline against the HiGHS optimum, per priority tier;
 * - scale: large instances, against the LP relaxation bound where HiGHS solves it within a limit,
 *   otherwise against the greedy baseline (the table says which);
 * - incremental: re-plan after one new helper and after one decline, against a full re-plan;
 * - dense: feasible pairs, time growth from 1,000 to 50,000 helpers with its log-log slope, per-tier
 *   fill against the tier-by-tier HiGHS optimum where it is proven, the fill cost of strict
 *   priority (against the weighted mode), and an incremental re-plan.
 * Targets are printed, never asserted: timings depend on the machine and its load.
 */
/* eslint-disable no-console -- a benchmark reports on stdout */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { staticPairDistance, compile } from '../src/engine/compile.js';
import { isFeasible, plan, type Helper, type Plan, type PlanDelta, type PlanInput } from '../src/engine/index.js';
// the incremental re-plan is measured here; the service plans whole rounds (plan-worker.ts)
import { replan } from '../src/engine/incremental.js';
import { solveExact } from '../test/support/mip-oracle.js';
import { saaleFlood } from '../test/support/scenario/saale-2013.js';
import { urbanFlood } from '../test/support/scenario/urban-flood.js';
import {
  TIERS,
  candidatePairs,
  demandOf,
  fillOf,
  gap,
  gcAvailable,
  measure,
  median,
  memoryCells,
  memoryHeader,
  ms,
  pct,
  table,
  type Fill,
  type Measured,
} from './measure.js';
import type { PlannerRun } from './run-planner.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    seed: { type: 'string', default: '2013' },
    /** Also solve the tier-lexicographic optimum (main seed only; 4 minutes at 10,000 × 3,000). */
    lexicographic: { type: 'boolean', default: true },
    /** More seeds for the quality section, summarised in one table after the main seed's. */
    'more-seeds': { type: 'string', default: '7,42' },
    repeat: { type: 'string', default: '3' },
    'quality-sizes': { type: 'string', default: '1000x300,3000x1000,10000x3000' },
    'scale-sizes': { type: 'string', default: '10000x4000,50000x10000' },
    'incremental-size': { type: 'string', default: '10000x4000' },
    /** Per MIP stage (weighted fill, then filled). */
    'mip-time-limit': { type: 'string', default: '600' },
    'lp-time-limit': { type: 'string', default: '300' },
    /** Above this many candidate pairs the LP text alone would take gigabytes; compare with greedy. */
    'lp-max-pairs': { type: 'string', default: '2000000' },
    /** Dense city (src/scenario/urban-flood.ts), sized helpers × shifts. */
    'dense-sizes': { type: 'string', default: '1000x300,3000x1000,10000x4000,50000x10000' },
    /** Dense sizes also solved by HiGHS, tier by tier (the engine's strict objective). */
    'dense-mip-sizes': { type: 'string', default: '300x100,1000x300' },
    'dense-mip-time-limit': { type: 'string', default: '120' },
    /** Dense sizes also planned in the weighted priority mode, for the fill cost of strict priority. */
    'dense-weighted-max-helpers': { type: 'string', default: '10000' },
    'dense-incremental-size': { type: 'string', default: '10000x4000' },
  },
});
const SEED = Number(args.seed);
const REPEAT = Math.max(1, Number(args.repeat));
const sizes = (s: string) =>
  s.split(',').map((x) => {
    const [h, n] = x.split('x').map(Number);
    if (!(h! >= 0 && n! > 0)) throw new Error(`size ${x}: expected HELPERSxSLOTS`);
    return { helpers: h!, slots: n! };
  });
const sections = new Set(args.only ? args.only.split(',') : ['quality', 'scale', 'incremental', 'dense']);

const tierCells = (f: Fill, d: Fill) => TIERS.map((t) => `${f.tier[t]} / ${d.tier[t]}`);
const tierHeader = TIERS.map((t) => `tier ${t} filled / demand`);
const gapCells = (f: Fill, ref: Fill) => TIERS.map((t) => pct(gap(f.tier[t]!, ref.tier[t]!)));

/** Worst tier gap over tiers where the reference fills at least 50 slots (smaller tiers are noise). */
function worstTierGap(f: Fill, ref: Fill): number {
  const gaps = TIERS.filter((t) => ref.tier[t]! >= 50).map((t) => gap(f.tier[t]!, ref.tier[t]!));
  return gaps.length === 0 ? 0 : Math.max(...gaps);
}

/** The engine or the baseline on a size, in a fresh process (bench/run-planner.ts says why). */
function isolated(
  algo: 'plan' | 'greedy',
  size: { helpers: number; slots: number },
  seed = SEED,
  extra: { scenario?: 'saale' | 'dense'; priority?: 'strict' | 'weighted' } = {},
): PlannerRun & Measured<null> {
  const script = fileURLToPath(new URL('./run-planner.ts', import.meta.url));
  const argv = ['--algo', algo, '--helpers', String(size.helpers), '--slots', String(size.slots), '--seed', String(seed), '--repeat', String(REPEAT)];
  if (extra.scenario) argv.push('--scenario', extra.scenario);
  if (extra.priority) argv.push('--priority', extra.priority);
  const out = execFileSync(process.execPath, [...process.execArgv, script, ...argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const run = JSON.parse(out.trim().split('\n').at(-1)!) as PlannerRun;
  if (!run.feasible) throw new Error(`${algo} returned an infeasible plan at ${size.helpers} × ${size.slots}`);
  return { ...run, out: null };
}

async function repeated(fn: () => Plan, repeat = REPEAT): Promise<Measured<Plan> & { runs: number[] }> {
  const first = await measure(fn);
  const wall = [first.wallMs];
  const cpu = [first.cpuMs];
  for (let i = 1; i < repeat; i++) {
    const m = await measure(fn);
    wall.push(m.wallMs);
    cpu.push(m.cpuMs);
  }
  return { ...first, wallMs: median(wall), cpuMs: median(cpu), runs: wall };
}

function assertFeasible(input: PlanInput, p: Plan, what: string): void {
  const report = isFeasible(input, p.assignments);
  if (!report.feasible) throw new Error(`${what} is infeasible: ${JSON.stringify(report.violations.slice(0, 3))}`);
}

const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

console.log('# Matching engine benchmark: Saale flood (June 2013, around Halle) and a dense city\n');
console.log(
  `node ${process.version}, ${os.cpus().length} cores (the engine and HiGHS each use one), load average ` +
    `${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at start; seed ${SEED}; wall and cpu are medians of ${REPEAT} ` +
    `runs for the engine and greedy (each size in a process of its own), one run for HiGHS; memory of the first run: ` +
    `peak RSS Δ = peak resident set during the run (sampled every 2 ms) minus the resident set before it (input generated), ` +
    `heap kept = heap retained after it` +
    `${gcAvailable ? '' : ' (n/a: run without --expose-gc)'}.\n`,
);

// ---------------------------------------------------------------- quality
if (sections.has('quality')) {
  const limit = Number(args['mip-time-limit']);
  console.log('## Quality against the HiGHS optimum\n');
  console.log(
    'HiGHS solves two objectives exactly, in stages. **Tier-lexicographic** is the engine\'s own (its default strict ' +
      'priority): tier 5 first, then 4, … 1, each at its optimum given the tiers before; the targets are judged against ' +
      'it when it is solved (`--lexicographic`). **Weighted** — (1) max Σ priority × filled, then (2) max filled — is ' +
      'the engine\'s `priority: \'weighted\'` mode, shown for comparison: its optimum may give up one tier-5 slot for two ' +
      'tier-3 slots, so tier gaps against it can be negative. The travel ' +
      `stage is skipped. Time limit ${limit} s per stage; "below the LP bound" applies when a stage hits it.\n`,
  );
  for (const size of sizes(args['quality-sizes'])) {
    const engine = isolated('plan', size);
    const greedy = isolated('greedy', size);
    const input = saaleFlood({ ...size, seed: SEED });
    const demand = demandOf(input);
    const pairs = candidatePairs(input);
    const exact = await measure(() => solveExact(input, { stages: 2, timeLimitSeconds: limit }));
    const lex = args.lexicographic ? await measure(() => solveExact(input, { stages: 2, objective: 'tiers', timeLimitSeconds: limit })) : null;
    const fills = { engine: engine.fill, greedy: greedy.fill, exact: fillOf(input, exact.out.assignments), lex: lex && fillOf(input, lex.out.assignments) };
    const proven = exact.out.optimal;
    const lpGap = gap(exact.out.score.priorityWeightedFill, exact.out.priorityWeightedFillBound);
    console.log(
      `### ${size.helpers} helpers × ${size.slots} slots (${input.shifts.length} shifts, ${input.sites.length} sites), ` +
        `${pairs} candidate pairs\n`,
    );
    console.log(
      `HiGHS weighted: ${exact.out.status.join(', ')} — ${proven ? 'optimum proven' : `NOT proven; weighted fill ${pct(lpGap)} below the LP bound ${exact.out.priorityWeightedFillBound.toFixed(1)}`}` +
        `, ${exact.out.variables} variables, ${exact.out.constraints} rows.` +
        (lex ? ` HiGHS tier-lexicographic: ${lex.out.status.join(', ')} — ${lex.out.optimal ? 'optimum proven' : 'NOT proven'}.` : '') +
        '\n',
    );
    const fillRow = (name: string, m: Measured<unknown>, f: Fill) => [name, ms(m.wallMs), ms(m.cpuMs), ...memoryCells(m), ...tierCells(f, demand), `${f.total} / ${demand.total}`, f.weighted];
    table(
      ['algorithm', 'wall ms', 'cpu ms', ...memoryHeader, ...tierHeader, 'filled / demand', 'weighted fill'],
      [
        fillRow('engine (plan)', engine, fills.engine),
        fillRow('greedy by priority, nearest helper', greedy, fills.greedy),
        fillRow(`HiGHS weighted ${proven ? 'optimum' : 'best found'}`, exact, fills.exact),
        ...(lex && fills.lex ? [fillRow(`HiGHS tier-lexicographic ${lex.out.optimal ? 'optimum' : 'best found'}`, lex, fills.lex)] : []),
      ],
    );
    const speedup = exact.cpuMs / Math.max(engine.cpuMs, 1e-3);
    const gapRow = (name: string, f: Fill, ref: Fill, cpu: number) =>
      [name, ...gapCells(f, ref), pct(worstTierGap(f, ref)), pct(gap(f.total, ref.total)), pct(gap(f.weighted, ref.weighted)), `${(exact.cpuMs / Math.max(cpu, 1e-3)).toFixed(1)}×`];
    table(
      ['gap to HiGHS', ...TIERS.map((t) => `tier ${t}`), 'worst tier (≥ 50 filled)', 'total filled', 'weighted fill', 'HiGHS weighted cpu / this cpu'],
      [
        gapRow('engine vs weighted optimum', fills.engine, fills.exact, engine.cpuMs),
        gapRow('greedy vs weighted optimum', fills.greedy, fills.exact, greedy.cpuMs),
        ...(fills.lex
          ? [gapRow('engine vs tier-lexicographic', fills.engine, fills.lex, engine.cpuMs), gapRow('greedy vs tier-lexicographic', fills.greedy, fills.lex, greedy.cpuMs)]
          : []),
      ],
    );
    const ref = fills.lex ?? fills.exact;
    console.log(
      `targets (engine vs the ${fills.lex ? 'tier-lexicographic' : 'weighted'} optimum): worst tier gap ≤ 1 %: ${met(worstTierGap(fills.engine, ref) <= 0.01)}; ` +
        `total fill gap ≤ 3 %: ${met(gap(fills.engine.total, ref.total) <= 0.03)}; ` +
        `≥ 100× faster than the exact solve: ${met(speedup >= 100)}${proven ? '' : ' (optimum not proven: gaps are against the best found)'}\n`,
    );
  }
  const seeds = (args['more-seeds'] ?? '').split(',').filter((x) => x !== '').map(Number);
  if (seeds.length > 0) {
    console.log(`### The same sizes with seeds ${seeds.join(', ')}, against the weighted optimum\n`);
    const rows: (string | number)[][] = [];
    for (const size of sizes(args['quality-sizes'])) {
      for (const seed of seeds) {
        const engine = isolated('plan', size, seed);
        const greedy = isolated('greedy', size, seed);
        const input = saaleFlood({ ...size, seed });
        const exact = await measure(() => solveExact(input, { stages: 2, timeLimitSeconds: limit }));
        const opt = fillOf(input, exact.out.assignments);
        rows.push([
          `${size.helpers} × ${size.slots}`,
          seed,
          `${exact.out.status.join(', ')}${exact.out.optimal ? '' : ' (not proven)'}`,
          ms(exact.cpuMs),
          ms(engine.cpuMs),
          `${pct(gap(engine.fill.weighted, opt.weighted))} / ${pct(gap(engine.fill.total, opt.total))} / ${pct(worstTierGap(engine.fill, opt))}`,
          `${pct(gap(greedy.fill.weighted, opt.weighted))} / ${pct(gap(greedy.fill.total, opt.total))} / ${pct(worstTierGap(greedy.fill, opt))}`,
          `${opt.total} / ${demandOf(input).total}`,
        ]);
      }
    }
    table(['size', 'seed', 'HiGHS', 'HiGHS cpu ms', 'engine cpu ms', 'engine gap: weighted / filled / worst tier', 'greedy gap: weighted / filled / worst tier', 'optimum filled / demand'], rows);
  }
}

// ---------------------------------------------------------------- scale
if (sections.has('scale')) {
  const lpLimit = Number(args['lp-time-limit']);
  const lpMaxPairs = Number(args['lp-max-pairs']);
  console.log('## Scale\n');
  for (const size of sizes(args['scale-sizes'])) {
    const engine = isolated('plan', size);
    const greedy = isolated('greedy', size);
    const input = saaleFlood({ ...size, seed: SEED });
    const demand = demandOf(input);
    const pairs = candidatePairs(input);
    const fills = { engine: engine.fill, greedy: greedy.fill };
    let bound: number | null = null;
    let lpNote = `not tried: ${pairs} candidate pairs > --lp-max-pairs ${lpMaxPairs}`;
    if (pairs <= lpMaxPairs) {
      try {
        const lp = await measure(() => solveExact(input, { stages: 0, timeLimitSeconds: lpLimit }));
        if (lp.out.relaxationStatus === 'Optimal') bound = lp.out.priorityWeightedFillBound;
        lpNote = `HiGHS LP relaxation: ${lp.out.relaxationStatus} in ${ms(lp.wallMs)} ms wall, ${ms(lp.cpuMs)} ms cpu (limit ${lpLimit} s), ${lp.out.variables} variables, ${lp.out.constraints} rows, peak RSS Δ ${ms(lp.peakRssMb - lp.rssBeforeMb)} MB`;
      } catch (error) {
        // The oracle hands HiGHS the model as LP text; past V8's string limit (~512 MB) it cannot.
        lpNote = `HiGHS LP relaxation not solved: ${String(error)}`;
      }
    }
    console.log(
      `### ${size.helpers} helpers × ${size.slots} slots (${input.shifts.length} shifts, ${input.sites.length} sites), ${pairs} candidate pairs\n`,
    );
    console.log(`${lpNote}.\n`);
    table(
      ['algorithm', 'wall ms', 'runs ms', 'cpu ms', ...memoryHeader, ...tierHeader, 'filled / demand', 'weighted fill'],
      [
        ['engine (plan)', ms(engine.wallMs), engine.runs.map(ms).join(' / '), ms(engine.cpuMs), ...memoryCells(engine), ...tierCells(fills.engine, demand), `${fills.engine.total} / ${demand.total}`, fills.engine.weighted],
        ['greedy by priority, nearest helper', ms(greedy.wallMs), greedy.runs.map(ms).join(' / '), ms(greedy.cpuMs), ...memoryCells(greedy), ...tierCells(fills.greedy, demand), `${fills.greedy.total} / ${demand.total}`, fills.greedy.weighted],
      ],
    );
    const reference = bound === null ? 'greedy (no LP bound)' : `LP bound ${bound.toFixed(1)} (weighted fill; no plan can exceed it)`;
    table(
      ['engine against', ...TIERS.map((t) => `tier ${t} vs greedy`), 'total filled vs greedy', 'weighted fill'],
      [[reference, ...gapCells(fills.engine, fills.greedy), pct(gap(fills.engine.total, fills.greedy.total)), bound === null ? pct(gap(fills.engine.weighted, fills.greedy.weighted)) : `${pct(gap(fills.engine.weighted, bound))} below the bound`]],
    );
    const target = size.helpers <= 10_000 ? 5_000 : 30_000;
    console.log(`target < ${target / 1000} s on one core (cpu ms; the engine is single-threaded): ${met(engine.cpuMs < target)}. Negative gaps vs greedy = engine ahead.\n`);
  }
}

// ---------------------------------------------------------------- incremental
if (sections.has('incremental')) {
  const [size] = sizes(args['incremental-size']);
  const all = saaleFlood({ helpers: size!.helpers + 50, slots: size!.slots, seed: SEED });
  const input: PlanInput = { ...all, helpers: all.helpers.slice(0, size!.helpers) };
  const base = plan(input);
  // A newcomer who can work some open shift, else the re-plan would have nothing to do.
  const open = base.unfilled.map((u) => u.shiftId);
  const newcomer: Helper | undefined = all.helpers.slice(size!.helpers).find((h) => {
    const c = compile({ ...input, helpers: [h] });
    return open.some((id) => staticPairDistance(c, 0, c.shiftIndex.get(id)!) >= 0);
  });
  const decline = base.assignments.find((a) => a.status === 'proposed')!;
  console.log(`## Incremental re-plan: ${size!.helpers} helpers × ${size!.slots} slots (${input.shifts.length} shifts)\n`);
  const rows: (string | number)[][] = [];
  let worst = 0;
  let worstCpu = 0;
  const deltas: [string, PlanDelta][] = [
    ['one decline', { declines: [{ helperId: decline.helperId, shiftId: decline.shiftId }] }],
    ...(newcomer ? [['one new helper (who fits an open shift)', { addHelpers: [newcomer] }] as [string, PlanDelta]] : []),
  ];
  for (const [name, delta] of deltas) {
    // A running service calls the engine again and again; the first calls of a process also pay for
    // compiling the code. Both are shown: the first call, and the median of 10 after 10 warm-up calls.
    const first = await measure(() => replan(base, delta));
    for (let i = 0; i < 9; i++) replan(base, delta);
    const warm = await repeated(() => replan(base, delta), 10);
    assertFeasible(warm.out.input, warm.out, `the re-plan after ${name}`);
    const full = await measure(() => plan(warm.out.input));
    const kept = new Set(warm.out.assignments.map((a) => `${a.helperId}|${a.shiftId}`));
    const declined = new Set((delta.declines ?? []).map((d) => `${d.helperId}|${d.shiftId}`));
    const moved = base.assignments.filter((a) => !kept.has(`${a.helperId}|${a.shiftId}`) && !declined.has(`${a.helperId}|${a.shiftId}`)).length;
    worst = Math.max(worst, warm.wallMs);
    worstCpu = Math.max(worstCpu, warm.cpuMs);
    rows.push([
      name,
      `${ms(first.wallMs)} / ${ms(first.cpuMs)}`,
      ms(warm.wallMs),
      ms(warm.cpuMs),
      `${ms(full.wallMs)} / ${ms(full.cpuMs)}`,
      `${warm.out.score.priorityWeightedFill} / ${full.out.score.priorityWeightedFill}`,
      `${warm.out.score.filled} / ${full.out.score.filled}`,
      moved,
    ]);
  }
  table(['change', 'first call wall / cpu ms', 'warm median wall ms', 'warm median cpu ms', 'full re-plan wall / cpu ms (baseline)', 'weighted fill replan / full', 'filled replan / full', 'previous assignments moved'], rows);
  // Latency is wall time; cpu is shown too, and exceeds wall when V8's parallel GC threads help.
  console.log(
    `target < 50 ms: ${met(worst < 50)} (worst warm median ${ms(worst)} ms wall, ${ms(worstCpu)} ms cpu of all threads)` +
      `${newcomer ? '' : '; no generated newcomer fitted an open shift'}\n`,
  );
}

// ---------------------------------------------------------------- dense
if (sections.has('dense')) {
  const limit = Number(args['dense-mip-time-limit']);
  const denseSeed = SEED;
  const dense = (size: { helpers: number; slots: number }) => urbanFlood({ helpers: size.helpers, shifts: size.slots, seed: denseSeed });
  console.log('## Dense city (src/scenario/urban-flood.ts): helpers × shifts\n');
  console.log(
    'Most helpers within reach of most sites, broad availability, 85 % of shifts without a skill, demand 1.5–3× ' +
      'what the helpers can work (parameters in the generator\'s module comment). Sizes are helpers × **shifts** ' +
      '(not slots). Engine in the default strict priority mode; cpu ms is the single-threaded planner\'s process.\n',
  );
  const rows: (string | number)[][] = [];
  const growth: { helpers: number; cpu: number }[] = [];
  for (const size of sizes(args['dense-sizes'])) {
    const input = dense(size);
    const demandD = demandOf(input);
    const pairs = candidatePairs(input);
    const engine = isolated('plan', size, denseSeed, { scenario: 'dense' });
    const greedy = isolated('greedy', size, denseSeed, { scenario: 'dense' });
    const weighted = size.helpers <= Number(args['dense-weighted-max-helpers']) ? isolated('plan', size, denseSeed, { scenario: 'dense', priority: 'weighted' }) : null;
    growth.push({ helpers: size.helpers, cpu: engine.cpuMs });
    const prev = growth.at(-2);
    const slope = prev ? (Math.log(engine.cpuMs / prev.cpu) / Math.log(size.helpers / prev.helpers)).toFixed(2) : '—';
    rows.push([
      `${size.helpers} × ${size.slots}`,
      pairs,
      demandD.total,
      ms(engine.cpuMs),
      ms(engine.wallMs),
      slope,
      ms(greedy.cpuMs),
      ...tierCells(engine.fill, demandD),
      `${engine.fill.total} / ${greedy.fill.total}`,
      weighted ? `${weighted.fill.total} (${pct(gap(engine.fill.total, weighted.fill.total))}); tier 5: ${weighted.fill.tier[5]}` : '—',
    ]);
  }
  table(
    ['size', 'feasible pairs', 'slots', 'engine cpu ms', 'engine wall ms', 'log-log slope of cpu vs helpers (from the size above)', 'greedy cpu ms (baseline)', ...tierHeader, 'filled: engine / greedy', 'weighted mode filled (strict\'s fill cost); its tier 5'],
    rows,
  );
  const first = growth[0];
  const last = growth.at(-1);
  if (first && last && last.helpers > first.helpers) {
    console.log(`cpu growth ${first.helpers} → ${last.helpers} helpers: log-log slope ${(Math.log(last.cpu / first.cpu) / Math.log(last.helpers / first.helpers)).toFixed(2)} (1 = linear).`);
  }
  for (const row of growth) {
    const target = row.helpers === 10_000 ? 5_000 : row.helpers === 50_000 ? 30_000 : null;
    if (target) console.log(`target ${row.helpers} helpers < ${target / 1000} s cpu: ${met(row.cpu < target)} (${ms(row.cpu)} ms)`);
  }
  console.log('');

  const mipRows: (string | number)[][] = [];
  for (const size of sizes(args['dense-mip-sizes'])) {
    const input = dense(size);
    const engine = isolated('plan', size, denseSeed, { scenario: 'dense' });
    const exact = await measure(() => solveExact(input, { stages: 2, objective: 'tiers', timeLimitSeconds: limit }));
    const opt = fillOf(input, exact.out.assignments);
    const speedup = exact.cpuMs / Math.max(engine.cpuMs, 1e-3);
    mipRows.push([
      `${size.helpers} × ${size.slots}`,
      `${exact.out.status.join(', ')}${exact.out.optimal ? ' (proven)' : ' (NOT proven)'}`,
      ms(exact.cpuMs),
      ms(engine.cpuMs),
      `${speedup.toFixed(1)}×`,
      ...TIERS.map((t) => `${engine.fill.tier[t]} / ${opt.tier[t]}`),
      pct(worstTierGap(engine.fill, opt)),
      pct(gap(engine.fill.total, opt.total)),
    ]);
  }
  if (mipRows.length > 0) {
    console.log(`### Against the tier-by-tier optimum (HiGHS, ${limit} s per stage)\n`);
    table(
      ['size', 'HiGHS', 'HiGHS cpu ms', 'engine cpu ms', 'speed-up', ...TIERS.map((t) => `tier ${t} engine / optimum`), 'worst tier gap (≥ 50 filled)', 'total gap'],
      mipRows,
    );
    console.log('targets: worst tier gap ≤ 1 %, total ≤ 3 %, ≥ 100× faster than the exact solve (the issue states it at 3,000 × 1,000).\n');
  }

  const [inc] = sizes(args['dense-incremental-size']);
  if (inc) {
    const input = dense(inc);
    const base = plan(input);
    const decline = base.assignments.find((a) => a.status === 'proposed')!;
    const delta: PlanDelta = { declines: [{ helperId: decline.helperId, shiftId: decline.shiftId }] };
    for (let i = 0; i < 10; i++) replan(base, delta);
    const warm = await repeated(() => replan(base, delta), 10);
    assertFeasible(warm.out.input, warm.out, 'the dense re-plan');
    console.log(
      `Incremental re-plan after one decline at ${inc.helpers} × ${inc.slots}: warm median ${ms(warm.wallMs)} ms wall, ${ms(warm.cpuMs)} ms cpu; ` +
        `target < 50 ms: ${met(warm.wallMs < 50)}.\n`,
    );
  }
}
