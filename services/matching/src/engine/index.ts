/**
 * The matching engine: pure functions from helpers, shifts and sites to a plan of proposals. No
 * I/O; the matching service runs `plan` in a worker (plan-worker.ts) and persists the result. The
 * HiGHS oracle and the scenarios are reference and benchmark code: test/support/.
 */
export * from './model.js';
export { plan } from './planner.js';
export { isFeasible, pairViolations, type FeasibilityReport } from './feasibility.js';
export { score, compareScores } from './objective.js';
export { greedyByPriority, greedyFirstFit } from './greedy.js';
export { berlinDay, splitByBerlinDay } from './time.js';
export { distanceKm } from './geo.js';
