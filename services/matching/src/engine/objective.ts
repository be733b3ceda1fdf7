/**
 * The lexicographic objective: filled slots tier by tier from priority 5 down (max; or, in the
 * `weighted` mode, priority-weighted filled headcount), filled headcount (max),
 * then travel plus a fairness cost (min). The fairness cost fairnessKmPerShift × k(k−1)/2 for a
 * helper with k shifts is convex, so the marginal cost of one more shift grows with the load a
 * helper already carries; that spreads work without a separate objective level, and it stays linear
 * enough to model exactly in the MIP oracle.
 */
import { DEFAULT_FAIRNESS_KM_PER_SHIFT } from './compile.js';
import { distanceKm } from './geo.js';
import type { Assignment, HelperLoad, PlanInput, PlanOptions, PriorityMode, Score } from './model.js';
import { HOUR_MS } from './time.js';

export function fairnessCost(shiftsPerHelper: Iterable<number>, kmPerShift: number): number {
  let sum = 0;
  for (const k of shiftsPerHelper) sum += (kmPerShift * k * (k - 1)) / 2;
  return sum;
}

export function helperLoads(input: PlanInput, assignments: readonly Assignment[]): Map<string, HelperLoad> {
  const shifts = new Map(input.shifts.map((s) => [s.id, s]));
  const load = new Map<string, HelperLoad>();
  for (const a of assignments) {
    const s = shifts.get(a.shiftId);
    if (!s) continue;
    const l = load.get(a.helperId) ?? { shifts: 0, hours: 0 };
    l.shifts += 1;
    l.hours += (s.end - s.start) / HOUR_MS;
    load.set(a.helperId, l);
  }
  return load;
}

export function score(input: PlanInput, assignments: readonly Assignment[], options: PlanOptions = {}): Score {
  const kmPerShift = options.fairnessKmPerShift ?? DEFAULT_FAIRNESS_KM_PER_SHIFT;
  const helpers = new Map(input.helpers.map((h) => [h.id, h]));
  const shifts = new Map(input.shifts.map((s) => [s.id, s]));
  let priorityWeightedFill = 0;
  let filled = 0;
  let travelKm = 0;
  const filledByPriority = [0, 0, 0, 0, 0];
  for (const a of assignments) {
    const h = helpers.get(a.helperId);
    const s = shifts.get(a.shiftId);
    if (!h || !s) continue;
    priorityWeightedFill += s.priority;
    filledByPriority[s.priority - 1]! += 1;
    filled += 1;
    travelKm += distanceKm(h.location, s.location);
  }
  const load = helperLoads(input, assignments);
  const perHelper = [...load.values()].map((l) => l.shifts);
  const fairness = fairnessCost(perHelper, kmPerShift);
  let demand = 0;
  let priorityWeightedDemand = 0;
  for (const s of input.shifts) {
    demand += s.headcount;
    priorityWeightedDemand += s.headcount * s.priority;
  }
  return {
    priorityWeightedFill,
    filledByPriority,
    filled,
    travelKm,
    fairnessCost: fairness,
    secondaryCost: travelKm + fairness,
    priorityWeightedDemand,
    demand,
    helpersUsed: load.size,
    maxShiftsPerHelper: perHelper.reduce((m, k) => Math.max(m, k), 0),
  };
}

/**
 * Negative when `a` is better than `b` in the lexicographic order of `mode` (see `Score`), positive
 * when worse, 0 when equal up to `epsilonKm` of secondary cost.
 */
export function compareScores(a: Score, b: Score, epsilonKm = 1e-6, mode: PriorityMode = 'strict'): number {
  if (mode === 'strict') {
    for (let p = 4; p >= 0; p--) {
      const d = b.filledByPriority[p]! - a.filledByPriority[p]!;
      if (d !== 0) return d;
    }
  } else if (a.priorityWeightedFill !== b.priorityWeightedFill) {
    return b.priorityWeightedFill - a.priorityWeightedFill;
  }
  if (a.filled !== b.filled) return b.filled - a.filled;
  const d = a.secondaryCost - b.secondaryCost;
  return Math.abs(d) <= epsilonKm ? 0 : d;
}
