/**
 * The matching engine: pure functions from helpers, shifts and sites to a plan of proposals. No
 * I/O; the matching service persists plans and feeds changes back through `replan`.
 */
export * from './model.js';
export { plan } from './planner.js';
export { replan } from './incremental.js';
export { isFeasible, pairViolations, type FeasibilityReport } from './feasibility.js';
export { score, compareScores } from './objective.js';
export { solveExact, type ExactResult, type ExactOptions } from './mip-oracle.js';
export { greedyByPriority, greedyFirstFit } from './greedy.js';
export { berlinDay, splitByBerlinDay } from './time.js';
export { distanceKm } from './geo.js';
