/**
 * Incremental re-planning. A change (new helper, new shift, decline, cancellation, departure)
 * must not reshuffle the proposals volunteers already hold: every assignment of the previous plan
 * that the change does not invalidate stays exactly where it is, accepted or proposed, and only
 * the slots the change opens or can newly fill are planned. That is what makes a re-plan cheap
 * (it looks at the touched shifts, found by scanning the shifts once per touched helper and by
 * the spatial index for touched shifts) and predictable for people in the field. The price is
 * that a re-plan can be worse than a fresh `plan`; the service runs a full plan when it wants the
 * better global answer and accepts that proposals move.
 *
 * Touched shifts: new shifts and shifts that lost a helper are filled in planning order with the
 * same direct fill and augmenting search as `plan` (chains may only move assignments made in this
 * re-plan); then open shifts within the rules' reach of a new or freed helper are offered that
 * helper directly, most urgent first.
 */
import { CandidateIndex } from './candidate-index.js';
import { compile, staticPairDistance } from './compile.js';
import type { Assignment, Exclusion, Plan, PlanDelta, PlanInput, PlanOptions } from './model.js';
import { fillShifts } from './moves.js';
import { planningOrder, toPlan } from './planner.js';
import { State } from './state.js';

/**
 * Edges one augmenting search of a re-plan may scan. The previous plan had no augmenting path worth
 * its budget, so what a change makes possible is a short chain to the freed helper or slot; in a
 * contested city a freed helper touches a hundred open shifts, and the full budget of `plan` for
 * each cost 480 ms at 10,000 × 4,000 instead of the 50 ms a re-plan may take.
 */
const REPLAN_SEARCH_BUDGET = 1_000;

const pairKey = (helperId: string, shiftId: string) => `${helperId}\u0000${shiftId}`;

function upsert<T extends { id: string }>(items: readonly T[], add: readonly T[] | undefined, drop: Set<string>): T[] {
  const replaced = new Set((add ?? []).map((x) => x.id));
  return [...items.filter((x) => !drop.has(x.id) && !replaced.has(x.id)), ...(add ?? [])];
}

export function replan(previous: Plan, delta: PlanDelta, options: PlanOptions = previous.options): Plan {
  const prev = previous.input;
  const removedHelpers = new Set(delta.removeHelperIds ?? []);
  const cancelled = new Set(delta.cancelShiftIds ?? []);
  const declined = new Set((delta.declines ?? []).map((d) => pairKey(d.helperId, d.shiftId)));
  const accepted = new Set((delta.accepts ?? []).map((d) => pairKey(d.helperId, d.shiftId)));
  const changedHelpers = new Set((delta.addHelpers ?? []).map((h) => h.id));
  const changedShifts = new Set((delta.addShifts ?? []).map((s) => s.id));

  const exclusions: Exclusion[] = [...(prev.exclusions ?? [])];
  const known = new Set(exclusions.map((e) => pairKey(e.helperId, e.shiftId)));
  for (const d of delta.declines ?? []) {
    if (!known.has(pairKey(d.helperId, d.shiftId))) exclusions.push({ helperId: d.helperId, shiftId: d.shiftId });
  }

  const kept: Assignment[] = [];
  const lostShifts = new Set<string>();
  const freedHelpers = new Set<string>(changedHelpers);
  for (const a of previous.assignments) {
    const key = pairKey(a.helperId, a.shiftId);
    if (removedHelpers.has(a.helperId) || declined.has(key) || cancelled.has(a.shiftId)) {
      lostShifts.add(a.shiftId);
      freedHelpers.add(a.helperId);
      continue;
    }
    kept.push({ ...a, status: accepted.has(key) ? 'accepted' : a.status });
  }

  const input: PlanInput = {
    helpers: upsert(prev.helpers, delta.addHelpers, removedHelpers),
    shifts: upsert(prev.shifts, delta.addShifts, cancelled),
    sites: upsert(prev.sites, delta.addSites, new Set()),
    assignments: kept,
    exclusions,
  };
  const c = compile(input, options);
  const state = new State(c);
  const wasAccepted = new Set<number>();

  // Accepted assignments stay unconditionally; a kept proposal stays only while it still meets every
  // rule (a changed helper or shift can invalidate it), and otherwise its shift counts as touched.
  const ordered = [...kept].sort((a, b) => (a.status === b.status ? 0 : a.status === 'accepted' ? -1 : 1));
  for (const a of ordered) {
    const h = c.helperIndex.get(a.helperId)!;
    const s = c.shiftIndex.get(a.shiftId)!;
    if (a.status === 'accepted') {
      state.add(h, s, true);
      wasAccepted.add(state.key(h, s));
    } else if (
      staticPairDistance(c, h, s) >= 0 &&
      state.canTake(h, s) &&
      state.open(s) > 0 &&
      state.siteRoom(s)
    ) {
      state.add(h, s, true);
    } else {
      lostShifts.add(a.shiftId);
      freedHelpers.add(a.helperId);
    }
  }

  const touched = new Set<number>();
  for (const id of [...changedShifts, ...lostShifts]) {
    const s = c.shiftIndex.get(id);
    if (s !== undefined) touched.add(s);
  }
  // Open shifts a new or freed helper can work: the helper is the only new capacity there, so it
  // is offered to them directly (planning order, nearest freed helper first) rather than through
  // a full fill, which would complete each one's candidate list — a scan of everybody available
  // then, 480 ms for the hundred open shifts one freed helper reaches in a dense city.
  const freed = [...freedHelpers].map((id) => c.helperIndex.get(id)).filter((h): h is number => h !== undefined);
  const reached = new Map<number, number[]>();
  for (const h of freed) {
    for (let s = 0; s < c.shifts.length; s++) {
      if (touched.has(s) || !c.sOpen[s] || state.open(s) <= 0 || staticPairDistance(c, h, s) < 0) continue;
      const list = reached.get(s);
      if (list) list.push(h);
      else reached.set(s, [h]);
    }
  }

  const index = new CandidateIndex(c);
  fillShifts(state, index, planningOrder(c, index, [...touched].sort((a, b) => a - b)), { augment: true, searchBudget: REPLAN_SEARCH_BUDGET });
  const byUrgency = [...reached.keys()].sort((a, b) => c.sPrio[b]! - c.sPrio[a]! || c.sStart[a]! - c.sStart[b]! || a - b);
  for (const s of byUrgency) {
    const candidates = reached.get(s)!.sort((a, b) => staticPairDistance(c, a, s) - staticPairDistance(c, b, s) || a - b);
    for (const h of candidates) {
      if (state.open(s) <= 0 || !state.siteRoom(s)) break;
      if (state.canTake(h, s)) state.add(h, s);
    }
  }
  return toPlan(c, state, input, options, (h, s) => wasAccepted.has(state.key(h, s)));
}
