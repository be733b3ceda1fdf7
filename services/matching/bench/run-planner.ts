/**
 * One planner run in a process of its own, for the benchmark: memory is only measurable per run in
 * a fresh process, because V8 and HiGHS' WebAssembly keep what they once mapped, so a later run in
 * the same process would reuse it and look free. Prints one JSON line (`PlannerRun`).
 *
 * node --expose-gc --import=tsx bench/run-planner.ts --algo plan|greedy --helpers N --slots S --seed X --repeat R
 *   [--scenario saale|dense] [--priority strict|weighted]   (dense: --slots is the number of shifts)
 */
import { parseArgs } from 'node:util';
import { greedyByPriority, isFeasible, plan } from '../src/engine/index.js';
import { saaleFlood } from '../test/support/scenario/saale-2013.js';
import { urbanFlood } from '../test/support/scenario/urban-flood.js';
import { fillOf, measure, median, type Fill } from './measure.js';

export interface PlannerRun {
  wallMs: number;
  cpuMs: number;
  runs: number[];
  rssBeforeMb: number;
  peakRssMb: number;
  heapRetainedMb: number;
  fill: Fill;
  feasible: boolean;
}

const { values } = parseArgs({
  options: {
    algo: { type: 'string', default: 'plan' },
    helpers: { type: 'string' },
    slots: { type: 'string' },
    seed: { type: 'string', default: '2013' },
    repeat: { type: 'string', default: '1' },
    scenario: { type: 'string', default: 'saale' },
    priority: { type: 'string', default: 'strict' },
  },
});
const input =
  values.scenario === 'dense'
    ? urbanFlood({ helpers: Number(values.helpers), shifts: Number(values.slots), seed: Number(values.seed) })
    : saaleFlood({ helpers: Number(values.helpers), slots: Number(values.slots), seed: Number(values.seed) });
const priority = values.priority === 'weighted' ? 'weighted' : 'strict';
const run = values.algo === 'greedy' ? () => greedyByPriority(input) : () => plan(input, { priority });
const first = await measure(run);
const wall = [first.wallMs];
const cpu = [first.cpuMs];
for (let i = 1; i < Number(values.repeat); i++) {
  const m = await measure(run);
  wall.push(m.wallMs);
  cpu.push(m.cpuMs);
}
const result: PlannerRun = {
  wallMs: median(wall),
  cpuMs: median(cpu),
  runs: wall,
  rssBeforeMb: first.rssBeforeMb,
  peakRssMb: first.peakRssMb,
  heapRetainedMb: first.heapRetainedMb,
  fill: fillOf(input, first.out.assignments),
  feasible: isFeasible(input, first.out.assignments).feasible,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
