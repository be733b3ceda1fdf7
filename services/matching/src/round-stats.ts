import type { RoundStats } from '@kathelfer/contracts/api/matching';
import { distanceKm, type Plan } from './engine/index.js';

/** What `POST /v1/matching/runs` answers and what every written round records (declared in the contracts). */
export type { RoundStats };

/** Fill, coverage and distance over the shifts that end after `now` (earlier ones are in the input only for the rest rules). */
export function planQuality(plan: Plan, now: number): Pick<RoundStats, 'tasks' | 'demand' | 'filled' | 'fill' | 'coverage' | 'priorityWeightedFill' | 'meanDistanceKm'> {
  const helpers = new Map(plan.input.helpers.map((h) => [h.id, h]));
  const crew = new Map<string, number>();
  let km = 0;
  const current = new Map(plan.input.shifts.filter((s) => s.end > now && s.headcount > 0).map((s) => [s.id, s]));
  for (const a of plan.assignments) {
    const shift = current.get(a.shiftId);
    const helper = helpers.get(a.helperId);
    if (shift === undefined || helper === undefined) continue;
    crew.set(a.shiftId, (crew.get(a.shiftId) ?? 0) + 1);
    km += distanceKm(helper.location, shift.location);
  }
  let demand = 0;
  let filled = 0;
  let weightedDemand = 0;
  let weightedFill = 0;
  let covered = 0;
  for (const shift of current.values()) {
    const n = Math.min(crew.get(shift.id) ?? 0, shift.headcount);
    demand += shift.headcount;
    filled += n;
    weightedDemand += shift.headcount * shift.priority;
    weightedFill += n * shift.priority;
    if (n >= shift.headcount) covered += 1;
  }
  return {
    tasks: current.size,
    demand,
    filled,
    fill: demand === 0 ? 1 : filled / demand,
    coverage: current.size === 0 ? 1 : covered / current.size,
    priorityWeightedFill: weightedDemand === 0 ? 1 : weightedFill / weightedDemand,
    meanDistanceKm: filled === 0 ? 0 : km / filled,
  };
}
