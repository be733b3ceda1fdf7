/**
 * The engine's public data model. Everything is plain data so a plan can be serialised, stored and
 * fed back into `replan` by the service; times are epoch milliseconds (UTC), distances kilometres.
 */

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** A half-open time interval [start, end) in epoch milliseconds. */
export interface TimeWindow {
  start: number;
  end: number;
}

export interface Helper {
  id: string;
  skills: readonly string[];
  resources: readonly string[];
  location: GeoPoint;
  /** Straight-line (haversine) kilometres the helper is willing to travel to a site. */
  maxTravelKm: number;
  /** When the helper can work; a shift must lie inside the union of these windows. */
  availability: readonly TimeWindow[];
  /**
   * Hours of work per Europe/Berlin calendar day the helper accepts at most. A shift counts with
   * its whole length (elapsed hours, so a 22:00–04:00 shift is 7 h in the October night) to every
   * calendar day it touches: a 22:00–04:00 shift is 6 h on both days. So no single shift is longer
   * than this, and a night shift can't be split to stay under it. See time.ts for why.
   */
  maxHoursPerDay: number;
}

/** Urgency of a shift: 5 is the most urgent, 1 the least; it is also the shift's weight. */
export type Priority = 1 | 2 | 3 | 4 | 5;

export interface Shift {
  id: string;
  taskId: string;
  siteId: string;
  location: GeoPoint;
  requiredSkills: readonly string[];
  requiredResources: readonly string[];
  /** How many helpers the shift needs. */
  headcount: number;
  start: number;
  end: number;
  priority: Priority;
}

export interface Site {
  id: string;
  /** Helpers present at the site at any moment, over all its overlapping shifts. */
  capacity: number;
}

export type AssignmentStatus = 'proposed' | 'accepted';

export interface Assignment {
  helperId: string;
  shiftId: string;
  status: AssignmentStatus;
}

/** A helper–shift pair the engine must never propose (the helper declined it). */
export interface Exclusion {
  helperId: string;
  shiftId: string;
}

export interface PlanInput {
  helpers: readonly Helper[];
  shifts: readonly Shift[];
  /** Sites not listed here have no capacity limit. */
  sites: readonly Site[];
  /**
   * Assignments that already exist. `plan` keeps the accepted ones fixed and plans every other
   * slot afresh; proposed ones are only kept by `replan`.
   */
  assignments?: readonly Assignment[];
  exclusions?: readonly Exclusion[];
}

export interface PlanOptions {
  /** Minimum hours between the end of one shift of a helper and the start of the next. @default 11 */
  restHours?: number;
  /** Shifts starting before this instant (epoch ms) get no new proposals. @default no limit */
  now?: number;
  /**
   * Kilometres of travel the planner trades for not giving a helper one more shift: the k-th
   * shift of a helper costs (k-1) × this in the third objective. @default 10
   */
  fairnessKmPerShift?: number;
  /**
   * Ruin-and-recreate iterations after construction aimed at fill, followed by half as many aimed
   * at travel and fairness; each keeps only improvements. 0 turns the local search off.
   * @default 1000
   */
  searchIterations?: number;
  /**
   * How priorities rank plans. `strict`: lexicographic over tiers — one more slot of priority p
   * outweighs any number of slots below p (a coordinator's "most urgent" means exactly that).
   * `weighted`: the sum of the filled slots' priorities, which may give one priority-5 slot for
   * two priority-3 slots. @default 'strict'
   */
  priority?: PriorityMode;
  /**
   * Stops the improvement phases once it returns true, polled between moves; the plan is the
   * best found so far (every phase keeps only improvements). Construction always finishes. For the
   * service's deadline; a plan with it is no longer a pure function of its input.
   * @default never
   */
  shouldStop?: () => boolean;
}

export type PriorityMode = 'strict' | 'weighted';

export interface HelperLoad {
  shifts: number;
  hours: number;
}

/**
 * The objective values. In `strict` priority mode the order is `filledByPriority` from priority 5
 * down to 1 (max), `filled` (max), `secondaryCost` = `travelKm` + `fairnessCost` (min); in
 * `weighted` mode `priorityWeightedFill` (max) replaces the tiers.
 */
export interface Score {
  priorityWeightedFill: number;
  /** Filled slots per priority, index 0 for priority 1 … index 4 for priority 5. */
  filledByPriority: number[];
  filled: number;
  travelKm: number;
  /** Σ over helpers of fairnessKmPerShift × k(k−1)/2 for a helper with k shifts. */
  fairnessCost: number;
  secondaryCost: number;
  /** What a plan filling every slot would reach, for fill ratios. */
  priorityWeightedDemand: number;
  demand: number;
  helpersUsed: number;
  maxShiftsPerHelper: number;
}

export interface UnfilledShift {
  shiftId: string;
  open: number;
}

export interface Plan {
  /** The input the plan was made for, helpers, shifts and sites sorted by id, with `exclusions` accumulated over declines. */
  input: PlanInput;
  options: PlanOptions;
  /** Accepted and proposed assignments, sorted by shift id, then helper id. */
  assignments: Assignment[];
  unfilled: UnfilledShift[];
  score: Score;
  /** Per-helper load of every helper with at least one assignment, by helper id. */
  load: Record<string, HelperLoad>;
}

/**
 * What changed since a plan was made. Applied in this order: removals and cancellations,
 * declines, acceptances, additions.
 */
export interface PlanDelta {
  addHelpers?: readonly Helper[];
  /** Helpers who left (or erased their data); their proposals and acceptances are dropped. */
  removeHelperIds?: readonly string[];
  addShifts?: readonly Shift[];
  /** Cancelled shifts; their helpers become free for other shifts. */
  cancelShiftIds?: readonly string[];
  addSites?: readonly Site[];
  /** A helper declined a proposal: the pair is removed and excluded from then on. */
  declines?: readonly Exclusion[];
  /** A helper accepted a proposal: it is fixed from then on. */
  accepts?: readonly Exclusion[];
}

export type Rule =
  | 'unknown-helper'
  | 'unknown-shift'
  | 'duplicate'
  | 'excluded'
  | 'skill'
  | 'resource'
  | 'distance'
  | 'availability'
  | 'overlap'
  | 'rest'
  | 'max-hours'
  | 'headcount'
  | 'site-capacity';

export interface Violation {
  rule: Rule;
  helperId?: string;
  shiftId?: string;
  siteId?: string;
  message: string;
}

export class MatchingInputError extends Error {
  override name = 'MatchingInputError';
}
