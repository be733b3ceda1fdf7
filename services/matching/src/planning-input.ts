/**
 * Turns the read model of one DisasterEvent into the engine's input. Pure, so the rules the
 * service adds around the engine are unit-tested without a database:
 * - every live assignment (proposed or accepted) is fixed: a round adds proposals, it never moves
 *   one a helper already holds;
 * - declined, expired and cancelled pairs are exclusions, so they are never proposed again;
 * - a proposal that no longer fits (the helper paused or changed availability, the task moved or
 *   needs fewer helpers, its site holds fewer) is withdrawn; an accepted one stays, as in the
 *   engine: a coordinator decides about a commitment;
 * - paused helpers keep what they hold but get nothing new; helpers without coordinates cannot be
 *   placed on the map and are left out (registration gives helpers who name only a postal code its
 *   centroid, so these are only helpers with a code it does not know);
 * - a helper available for several incidents is planned in each; the shifts they hold (proposed
 *   or accepted) in the others are taken out of their availability here, so no round proposes
 *   them a shift at the same time, and a proposal here that overlaps one there is withdrawn.
 */
import { urgencyOf } from '@kathelfer/contracts';
import { pairViolations, type Assignment, type Exclusion, type Helper, type PlanInput, type Shift, type Site, type TimeWindow } from './engine/index.js';
import type { AssignmentAttributes } from './models/assignment.model.js';
import type { HelperAttributes } from './models/helper.model.js';
import type { TaskAttributes } from './models/task.model.js';

export interface PlanningRows {
  helpers: readonly HelperAttributes[];
  /** Open tasks of the incident, including those that ended within the last day (rest rules). */
  tasks: readonly TaskAttributes[];
  /** Every assignment of the incident, whatever its status. */
  assignments: readonly AssignmentAttributes[];
  /** Live assignments (proposed or accepted) of these helpers in other incidents. */
  elsewhere?: readonly AssignmentAttributes[];
}

export interface PlanningInput {
  input: PlanInput;
  /** Live proposals to withdraw before the plan is written. */
  withdraw: AssignmentAttributes[];
}

const live = (a: AssignmentAttributes) => a.status === 'proposed' || a.status === 'accepted';

export function toHelper(row: HelperAttributes): Helper | undefined {
  if (row.latitude === null || row.longitude === null) return undefined;
  return {
    id: row.id,
    skills: row.skills,
    resources: row.resources,
    location: { lat: row.latitude, lon: row.longitude },
    maxTravelKm: row.maxTravelKm,
    availability: row.paused ? [] : row.availability.map((w) => ({ start: Date.parse(w.from), end: Date.parse(w.to) })),
    maxHoursPerDay: row.maxHoursPerDay,
  };
}

export function toShift(row: TaskAttributes): Shift {
  return {
    id: row.id,
    taskId: row.id,
    siteId: row.siteId,
    location: { lat: row.latitude, lon: row.longitude },
    requiredSkills: row.requiredSkills,
    requiredResources: row.requiredResources,
    headcount: row.headcount,
    start: row.shiftStart.getTime(),
    end: row.shiftEnd.getTime(),
    // the engine weighs urgency: 5 for the most urgent priority 1
    priority: urgencyOf(row.priority),
  };
}

/** `windows` without the times in `busy`: what is left of a helper's availability. */
export function withoutBusy(windows: readonly TimeWindow[], busy: readonly TimeWindow[]): TimeWindow[] {
  let left = [...windows];
  for (const b of busy) {
    left = left.flatMap((w) => {
      if (b.end <= w.start || b.start >= w.end) return [w];
      return [
        ...(b.start > w.start ? [{ start: w.start, end: b.start }] : []),
        ...(b.end < w.end ? [{ start: b.end, end: w.end }] : []),
      ];
    });
  }
  return left;
}

export function planningInput(rows: PlanningRows): PlanningInput {
  const busy = new Map<string, TimeWindow[]>();
  for (const a of rows.elsewhere ?? []) {
    if (!live(a)) continue;
    busy.set(a.helperId, [...(busy.get(a.helperId) ?? []), { start: a.shiftStart.getTime(), end: a.shiftEnd.getTime() }]);
  }
  const helpers = new Map<string, Helper>();
  for (const row of rows.helpers) {
    const helper = toHelper(row);
    if (helper === undefined) continue;
    const taken = busy.get(helper.id);
    helpers.set(helper.id, taken === undefined ? helper : { ...helper, availability: withoutBusy(helper.availability, taken) });
  }
  const shifts = new Map(rows.tasks.map((row) => [row.id, toShift(row)]));
  // Tasks of one site may report different capacities while an update travels; the smallest is safe.
  const capacity = new Map<string, number>();
  for (const row of rows.tasks) {
    if (row.siteCapacity === null) continue;
    capacity.set(row.siteId, Math.min(capacity.get(row.siteId) ?? Infinity, row.siteCapacity));
  }
  const sites: Site[] = [...capacity].map(([id, c]) => ({ id, capacity: c }));

  const withdraw: AssignmentAttributes[] = [];
  const kept: AssignmentAttributes[] = [];
  const exclusions: Exclusion[] = [];
  for (const a of rows.assignments) {
    if (!live(a)) {
      exclusions.push({ helperId: a.helperId, shiftId: a.taskId });
      continue;
    }
    const helper = helpers.get(a.helperId);
    const shift = shifts.get(a.taskId);
    if (a.status === 'proposed' && (helper === undefined || shift === undefined || pairViolations(helper, shift).length > 0)) {
      withdraw.push(a);
    } else {
      kept.push(a);
    }
  }
  // A lowered headcount: accepted helpers stay, the most recent proposals beyond it go.
  const byTask = new Map<string, AssignmentAttributes[]>();
  for (const a of kept) byTask.set(a.taskId, [...(byTask.get(a.taskId) ?? []), a]);
  const withinHeadcount: AssignmentAttributes[] = [];
  for (const [taskId, list] of byTask) {
    const headcount = shifts.get(taskId)?.headcount ?? Infinity;
    list.sort(seniority).forEach((a, i) => {
      if (i >= headcount && a.status === 'proposed') withdraw.push(a);
      else withinHeadcount.push(a);
    });
  }
  const fixed: Assignment[] = [];
  for (const a of withinSiteCapacity(withinHeadcount, shifts, capacity)) {
    if (a.withdraw) withdraw.push(a.assignment);
    else fixed.push({ helperId: a.assignment.helperId, shiftId: a.assignment.taskId, status: 'accepted' });
  }
  return {
    input: { helpers: [...helpers.values()], shifts: [...shifts.values()], sites, assignments: fixed, exclusions },
    withdraw,
  };
}

const rank = (a: AssignmentAttributes) => (a.status === 'accepted' ? 0 : 1);
/** Accepted before proposed, then the older proposal first: the order in which assignments keep their place. */
const seniority = (x: AssignmentAttributes, y: AssignmentAttributes) =>
  rank(x) - rank(y) || x.proposedAt.getTime() - y.proposedAt.getTime() || x.id.localeCompare(y.id);

/**
 * A lowered site capacity, like a lowered headcount: accepted helpers stay, and proposals are
 * admitted by seniority while the site holds no more than its capacity at any moment (occupancy
 * only rises at a shift start, so those instants are the ones to check); the rest are withdrawn.
 */
function withinSiteCapacity(
  assignments: readonly AssignmentAttributes[],
  shifts: ReadonlyMap<string, Shift>,
  capacity: ReadonlyMap<string, number>,
): { assignment: AssignmentAttributes; withdraw: boolean }[] {
  const out: { assignment: AssignmentAttributes; withdraw: boolean }[] = [];
  const admitted = new Map<string, Shift[]>();
  for (const a of [...assignments].sort(seniority)) {
    const shift = shifts.get(a.taskId);
    const cap = shift === undefined ? undefined : capacity.get(shift.siteId);
    if (shift === undefined || cap === undefined) {
      out.push({ assignment: a, withdraw: false });
      continue;
    }
    const present = admitted.get(shift.siteId) ?? [];
    const instants = [shift.start, ...present.map((p) => p.start).filter((t) => t > shift.start && t < shift.end)];
    const fits = instants.every((t) => present.filter((p) => p.start <= t && t < p.end).length < cap);
    if (fits || a.status === 'accepted') {
      present.push(shift);
      admitted.set(shift.siteId, present);
    }
    out.push({ assignment: a, withdraw: !fits && a.status === 'proposed' });
  }
  return out;
}
