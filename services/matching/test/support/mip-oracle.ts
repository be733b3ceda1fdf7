/**
 * The exact oracle: the same model as the planner, as a mixed-integer program solved by HiGHS
 * (compiled to WebAssembly, so it runs anywhere Node runs). It exists so the planner's quality is
 * measured, not assumed; it is exponential in the worst case and meant for instances of a few
 * hundred helpers.
 *
 * The lexicographic objective is solved in stages, each fixing the previous optimum as a
 * constraint: (1) max Σ priority·x, (2) max Σ x, (3) min travel + fairness. Weighting the stages
 * into one objective would need coefficients spanning many orders of magnitude, which MIP solvers
 * handle badly. Rules as constraints:
 * - static rules (skills, resources, distance, availability, a shift alone over the daily hours,
 *   exclusions) decide which x variables exist at all;
 * - overlap and rest: a shift occupies [start, end + rest) of its helper; these intervals form an
 *   interval graph, whose maximal cliques sit at interval starts, so one Σ x ≤ 1 per helper and
 *   maximal clique is an exact and tight formulation;
 * - hours per Berlin day, headcount, and site capacity probed at every shift start (occupancy only
 *   rises at a start) are plain knapsack rows;
 * - fairness F·k(k−1)/2 is convex in the helper's shift count k, so it is exactly the maximum of
 *   its chords F·j·k − F·j(j+1)/2, j ≥ 1, with one continuous variable per helper.
 * Accepted assignments are variables forced to 1, so they count and constrain like any other.
 */
import type HighsLoader from 'highs';
import { CandidateIndex } from '../../src/engine/candidate-index.js';
import { compile, pairDistanceKm } from '../../src/engine/compile.js';
import type { Assignment, PlanInput, PlanOptions, Score } from '../../src/engine/model.js';
import { score } from '../../src/engine/objective.js';
import { HOUR_MS } from '../../src/engine/time.js';

export interface ExactOptions extends PlanOptions {
  /** Wall-clock limit per stage. @default 60 */
  timeLimitSeconds?: number;
  /**
   * Solve only the first `stages` objective levels; 0 solves only the LP relaxation of the first
   * (for a bound on instances too large for the MIP), and the result then has no assignments.
   * @default 3
   */
  stages?: 0 | 1 | 2 | 3;
  /**
   * 'weighted' solves Σ priority × filled, then filled (the engine's `priority: 'weighted'`). 'tiers':
   * filled slots of priority 5 first, then 4, … then 1,
   * each stage keeping the tiers before it at their optimum — the most urgent work regardless of
   * how much less urgent work it costs — the engine's objective in its default `strict` priority
   * mode. With 'tiers', stages 1 and 2 both mean the five tier stages.
   * @default 'tiers', or 'weighted' when `priority` is 'weighted'
   */
  objective?: 'weighted' | 'tiers';
}

export interface ExactResult {
  assignments: Assignment[];
  score: Score;
  /** HiGHS' status per stage; every stage 'Optimal' means the result is proven optimal. */
  status: string[];
  optimal: boolean;
  /**
   * The LP relaxation of stage 1: no plan can exceed this priority-weighted fill — a bound only
   * when `relaxationStatus` is 'Optimal'.
   */
  priorityWeightedFillBound: number;
  relaxationStatus: string;
  variables: number;
  constraints: number;
}

// highs ships CommonJS-flavoured types for an ES module: under NodeNext TypeScript types the default
// export as the module object while Node hands over the loader itself, so accept either.
type Loader = (typeof HighsLoader)['default'];
type Highs = Awaited<ReturnType<Loader>>;
let highsPromise: Promise<Highs> | undefined;

/**
 * Loads the solver on first use, once per process (every solve gets a fresh solver instance), so
 * code that only plans never loads the WebAssembly module.
 */
function highs(): Promise<Highs> {
  highsPromise ??= import('highs').then((m) => {
    const exported = m.default as unknown as Loader | { default: Loader };
    const load = typeof exported === 'function' ? exported : exported.default;
    return load();
  });
  return highsPromise;
}

interface Term {
  coef: number;
  v: string;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(9).replace(/0+$/, '');
}

/** LP-format sum, broken into short lines (some LP readers limit line length). */
function sum(terms: readonly Term[]): string {
  const parts = terms.map((t, i) => {
    const sign = t.coef < 0 ? '-' : i === 0 ? '' : '+';
    return `${sign} ${fmt(Math.abs(t.coef))} ${t.v}`;
  });
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 12) lines.push(parts.slice(i, i + 12).join(' '));
  return lines.join('\n   ') || '0 zero';
}

export async function solveExact(input: PlanInput, options: ExactOptions = {}): Promise<ExactResult> {
  const c = compile(input, options);
  const index = new CandidateIndex(c, () => Infinity);
  const S = c.shifts.length;
  const edges: { h: number; s: number; v: string; d: number }[] = [];
  const edgeOf = new Map<number, number>();
  const addEdge = (h: number, s: number) => {
    const key = h * S + s;
    if (edgeOf.has(key)) return;
    edgeOf.set(key, edges.length);
    edges.push({ h, s, v: `x${edges.length}`, d: pairDistanceKm(c, h, s) });
  };
  for (let s = 0; s < S; s++) if (c.sOpen[s] && c.sHead[s]! > 0) for (const h of index.all(s).helpers) addEdge(h, s);
  const forced: string[] = [];
  for (const a of input.assignments ?? []) {
    const h = c.helperIndex.get(a.helperId);
    const s = c.shiftIndex.get(a.shiftId);
    if (a.status !== 'accepted' || h === undefined || s === undefined) continue;
    addEdge(h, s);
    forced.push(edges[edgeOf.get(h * S + s)!]!.v);
  }

  const rows: string[] = [];
  const row = (terms: Term[], op: '<=' | '>=', rhs: number) => {
    if (terms.length > 0) rows.push(` c${rows.length}: ${sum(terms)} ${op} ${fmt(rhs)}`);
  };
  const byShift: Term[][] = c.shifts.map(() => []);
  const byHelper = new Map<number, number[]>();
  for (let e = 0; e < edges.length; e++) {
    const { h, s, v } = edges[e]!;
    byShift[s]!.push({ coef: 1, v });
    byHelper.set(h, [...(byHelper.get(h) ?? []), e]);
  }
  for (let s = 0; s < S; s++) if (byShift[s]!.length > c.sHead[s]!) row(byShift[s]!, '<=', c.sHead[s]!);

  const fairnessTerms: Term[] = [];
  for (const [h, es] of byHelper) {
    const shifts = es.map((e) => edges[e]!.s);
    // Overlap and rest: one clique row per interval start, and only for maximal cliques — the
    // clique at a start is contained in the one at the next start unless some interval ends in
    // between, and the contained rows (most of them, where windows are short) add nothing.
    const starts = [...new Set(shifts.map((t) => c.sStart[t]!))].sort((a, b) => a - b);
    const occupies = (e: number, at: number) => {
      const u = edges[e]!.s;
      return c.sStart[u]! <= at && at < c.sEnd[u]! + c.restMs;
    };
    starts.forEach((at, i) => {
      const clique = es.filter((e) => occupies(e, at));
      const next = starts[i + 1];
      if (next !== undefined && clique.every((e) => occupies(e, next))) return;
      if (clique.length > 1) row(clique.map((e) => ({ coef: 1, v: edges[e]!.v })), '<=', 1);
    });
    const perDay = new Map<number, Term[]>();
    for (const e of es) {
      for (const [day, ms] of c.sDays[edges[e]!.s]!) {
        perDay.set(day, [...(perDay.get(day) ?? []), { coef: ms / HOUR_MS, v: edges[e]!.v }]);
      }
    }
    const maxHours = c.hMaxDayMs[h]! / HOUR_MS;
    for (const terms of perDay.values()) {
      if (terms.length > 1 && terms.reduce((a, t) => a + t.coef, 0) > maxHours) row(terms, '<=', maxHours);
    }
    // Fairness only enters the third stage's objective; its k² chord terms per helper are most of
    // the model on large instances, so the first two stages (and the LP bound) go without them.
    if (es.length > 1 && c.fairnessKm > 0 && (options.stages ?? 3) === 3) {
      const f = `f${h}`;
      fairnessTerms.push({ coef: 1, v: f });
      for (let j = 1; j < es.length; j++) {
        // f ≥ F·j·k − F·j(j+1)/2  ⇔  F·j·Σx − f ≤ F·j(j+1)/2
        const terms = es.map((e) => ({ coef: c.fairnessKm * j, v: edges[e]!.v }));
        row([...terms, { coef: -1, v: f }], '<=', (c.fairnessKm * j * (j + 1)) / 2);
      }
    }
  }
  for (let s = 0; s < S; s++) {
    const cap = c.siteCap[c.sSite[s]!]!;
    if (cap === Infinity) continue;
    const present = c.sSiteOverlap[s]!.filter((u) => c.sStart[u]! <= c.sStart[s]! && c.sStart[s]! < c.sEnd[u]!);
    const terms = present.flatMap((u) => byShift[u]!);
    if (terms.length > cap) row(terms, '<=', cap);
  }
  for (const v of forced) row([{ coef: 1, v }], '>=', 1);

  const solver = await highs();
  const timeLimit = options.timeLimitSeconds ?? 60;
  const weighted = edges.map((e) => ({ coef: c.sPrio[e.s]!, v: e.v }));
  const count = edges.map((e) => ({ coef: 1, v: e.v }));
  const travel = [...edges.map((e) => ({ coef: e.d, v: e.v })), ...fairnessTerms];
  const binaries = `Binaries\n ${edges.map((e) => e.v).join('\n ')}`;
  const lp = (sense: string, objective: Term[], extra: string[], integer: boolean) =>
    [
      sense,
      ` obj: ${sum(objective)}`,
      'Subject To',
      ...rows,
      ...extra,
      'Bounds',
      ...edges.map((e) => ` 0 <= ${e.v} <= 1`),
      ...(integer && edges.length > 0 ? [binaries] : []),
      'End',
    ].join('\n');
  const run = (text: string) =>
    solver.solve(text, { time_limit: timeLimit, output_flag: false, mip_rel_gap: 0 });

  const status: string[] = [];
  const chosen = (sol: ReturnType<typeof run>) =>
    edges.filter((e) => ((sol.Columns[e.v] as { Primal?: number } | undefined)?.Primal ?? 0) > 0.5);

  const relaxation = run(lp('Maximize', weighted, [], false));
  const bound = edges.length === 0 ? 0 : relaxation.ObjectiveValue;
  let best: typeof edges | null = edges.length === 0 ? [] : null;
  const extra: string[] = [];
  const stages = options.stages ?? 3;
  let expectedStages: number = stages;
  if (edges.length > 0) {
    const tiers = ([5, 4, 3, 2, 1] as const)
      .map((p) => edges.filter((e) => c.sPrio[e.s] === p).map((e) => ({ coef: 1, v: e.v })))
      .filter((terms) => terms.length > 0)
      .map((terms): [string, Term[], Term[]] => ['Maximize', terms, terms]);
    const objective = options.objective ?? (options.priority === 'weighted' ? 'weighted' : 'tiers');
    const fill: [string, Term[], Term[]][] =
      objective === 'tiers'
        ? tiers
        : [
            ['Maximize', weighted, weighted],
            ['Maximize', count, count],
          ];
    const fillStages = objective === 'tiers' ? (stages > 0 ? fill.length : 0) : Math.min(stages, 2);
    const plans = [...fill.slice(0, fillStages), ...(stages === 3 ? [['Minimize', travel, []] as [string, Term[], Term[]]] : [])];
    expectedStages = plans.length;
    for (let k = 0; k < plans.length; k++) {
      const [sense, objective, keep] = plans[k]!;
      const sol = run(lp(sense, objective, extra, true));
      status.push(sol.Status);
      if (sol.Status !== 'Optimal' && sol.Status !== 'Time limit reached') break;
      const picked = chosen(sol);
      best = picked;
      if (keep.length > 0) {
        // Integral objectives: the optimum minus ½ fixes it without tolerance trouble.
        const on = new Set(picked.map((e) => e.v));
        const value = keep.reduce((a, t) => a + (on.has(t.v) ? t.coef : 0), 0);
        extra.push(` k${k}: ${sum(keep)} >= ${fmt(value - 0.5)}`);
      }
    }
  }
  if (stages === 0) best = [];
  if (best === null) throw new Error(`HiGHS found no solution: ${status.join(', ')}`);
  const assignments: Assignment[] = best
    .map(
      (e): Assignment => ({
        helperId: c.helpers[e.h]!.id,
        shiftId: c.shifts[e.s]!.id,
        status: forced.includes(e.v) ? 'accepted' : 'proposed',
      }),
    )
    .sort((a, b) => (a.shiftId < b.shiftId ? -1 : a.shiftId > b.shiftId ? 1 : a.helperId < b.helperId ? -1 : 1));
  return {
    assignments,
    score: score(input, assignments, options),
    status,
    optimal: stages > 0 && (edges.length === 0 || (status.length === expectedStages && status.every((s) => s === 'Optimal'))),
    priorityWeightedFillBound: bound,
    relaxationStatus: edges.length === 0 ? 'Optimal' : relaxation.Status,
    variables: edges.length,
    constraints: rows.length,
  };
}
