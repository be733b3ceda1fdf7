/**
 * The planner, in five phases built from the moves in moves.ts: (1) a priority-ordered greedy fill
 * with augmenting paths, (2) ejection moves, (3) ruin-and-recreate local search (local-search.ts),
 * first for fill, then for travel and fairness, (4) a travel/fairness improvement pass (swaps with
 * idle helpers and exchanges between assigned ones) with refills, (5) in the default strict
 * priority mode, `secureUrgent`: no open slot stays open while a helper could take it by giving up
 * only less urgent assignments.
 *
 * Why this algorithm. Without the time rules the problem is a bipartite b-matching in which only
 * the shift side carries weight (its priority). The sets of shift slots that can be filled together
 * then form a transversal matroid, so the greedy that takes slots in descending priority and admits
 * a slot whenever an augmenting path exists is exactly optimal for priority-weighted fill and for
 * filled headcount (Edmonds; the same argument as the Hungarian method's augmenting step). Phase 1
 * is that greedy; its path step is a helper moving from the one shift that blocks it into the shift
 * that needs it, searched breadth-first with a bounded budget. The time rules (overlap, rest, hours
 * per day) and site capacity break the matroid: a helper may serve two short shifts instead of one
 * long one, and a full site needs room made. Phases 2 and 3 repair exactly that, and accept a change
 * only when (filled slots tier by tier from priority 5 down — or the priority-weighted fill in the
 * weighted mode —, filled headcount, travel + fairness) improves lexicographically, so they can
 * never make the plan worse. The MIP oracle measures what is still
 * lost (`npm run bench:matching`): nothing on one-shift-a-day instances, under 1% on average where
 * short rest periods and tight sites bind. Among equally good fills a slot goes to the helper with
 * the lowest travel + marginal fairness cost, and phase 4 swaps in cheaper idle helpers; it keeps
 * every filled slot filled, so it never trades the first two objectives for the third.
 *
 * Cost: candidate lists come from the spatial index (nearest first, truncated, see
 * candidate-index.ts), so a direct fill costs O(list length) and the whole plan grows with the
 * candidate edges kept, not with helpers × shifts. Augmenting searches run only for slots no
 * candidate can take directly and are capped by scanned edges; the local search has a fixed
 * iteration count, each iteration touching one neighbourhood of a dozen shifts.
 *
 * Determinism: shifts and helpers are handled by index (id order), every tie breaks by index, the
 * local search draws from a fixed-seed generator, and nothing depends on the order of the caller's
 * data.
 */
import { CandidateIndex } from './candidate-index.js';
import { compile, pairDistanceKm, type Compiled } from './compile.js';
import { ruinAndRecreate } from './local-search.js';
import type { Assignment, HelperLoad, Plan, PlanInput, PlanOptions, UnfilledShift } from './model.js';
import { ejectAll, fillShifts, improve, secureUrgent } from './moves.js';
import { fairnessCost } from './objective.js';
import { State } from './state.js';
import { HOUR_MS } from './time.js';

const DEFAULT_SEARCH_ITERATIONS = 1000;

/** Shifts in planning order: most urgent first, then the scarcest, then earliest. */
export function planningOrder(c: Compiled, index: CandidateIndex, shifts: Iterable<number>): number[] {
  const list = [...shifts].filter((s) => c.sOpen[s] && c.sHead[s]! > 0);
  const scarcity = new Map(list.map((s) => [s, index.get(s).helpers.length / c.sHead[s]!]));
  return list.sort(
    (a, b) =>
      c.sPrio[b]! - c.sPrio[a]! ||
      scarcity.get(a)! - scarcity.get(b)! ||
      c.sStart[a]! - c.sStart[b]! ||
      a - b,
  );
}

/** Loads the given assignments into the state; `movable` decides which the planner may move. */
export function seed(
  state: State,
  assignments: readonly Assignment[],
  movable: (a: Assignment) => boolean,
): void {
  const c = state.c;
  const seen = new Set<number>();
  for (const a of assignments) {
    const h = c.helperIndex.get(a.helperId);
    const s = c.shiftIndex.get(a.shiftId);
    if (h === undefined || s === undefined) continue;
    const key = state.key(h, s);
    if (seen.has(key)) continue;
    seen.add(key);
    state.add(h, s, !movable(a));
  }
}

export function toPlan(
  c: Compiled,
  state: State,
  input: PlanInput,
  options: PlanOptions,
  accepted: (h: number, s: number) => boolean,
): Plan {
  const assignments: Assignment[] = [];
  const unfilled: UnfilledShift[] = [];
  for (let s = 0; s < c.shifts.length; s++) {
    const crew = [...state.crew[s]!].sort((a, b) => a - b);
    for (const h of crew) {
      assignments.push({
        helperId: c.helpers[h]!.id,
        shiftId: c.shifts[s]!.id,
        status: accepted(h, s) ? 'accepted' : 'proposed',
      });
    }
    if (state.open(s) > 0) unfilled.push({ shiftId: c.shifts[s]!.id, open: state.open(s) });
  }
  // The input is stored id-sorted: the next replan's sort then meets an almost sorted array,
  // which the engine's merge sort finishes in near-linear time.
  const sortedInput: PlanInput = { ...input, helpers: c.helpers, shifts: c.shifts, sites: c.sites };
  // A plan is plain data: the stop signal belongs to one call, not to the plan.
  const { shouldStop: _, ...plainOptions } = options;
  return { input: sortedInput, options: plainOptions, assignments, unfilled, ...scoreState(c, state) };
}

/** The plan's score and loads straight from the state: O(assignments), no maps over all helpers. */
function scoreState(c: Compiled, state: State): Pick<Plan, 'score' | 'load'> {
  let priorityWeightedFill = 0;
  let filled = 0;
  let travelKm = 0;
  let demand = 0;
  let priorityWeightedDemand = 0;
  const filledByPriority = [0, 0, 0, 0, 0];
  for (let s = 0; s < c.shifts.length; s++) {
    const prio = c.sPrio[s]!;
    filledByPriority[prio - 1]! += state.crew[s]!.length;
    demand += c.sHead[s]!;
    priorityWeightedDemand += c.sHead[s]! * prio;
    for (const h of state.crew[s]!) {
      priorityWeightedFill += prio;
      filled += 1;
      travelKm += pairDistanceKm(c, h, s);
    }
  }
  const load: Record<string, HelperLoad> = {};
  let maxShiftsPerHelper = 0;
  const perHelper: number[] = [];
  for (let h = 0; h < c.helpers.length; h++) {
    const sched = state.sched[h]!;
    if (sched.length === 0) continue;
    let hours = 0;
    for (const s of sched) hours += (c.sEnd[s]! - c.sStart[s]!) / HOUR_MS;
    load[c.helpers[h]!.id] = { shifts: sched.length, hours };
    perHelper.push(sched.length);
    maxShiftsPerHelper = Math.max(maxShiftsPerHelper, sched.length);
  }
  const fairness = fairnessCost(perHelper, c.fairnessKm);
  return {
    score: {
      priorityWeightedFill,
      filledByPriority,
      filled,
      travelKm,
      fairnessCost: fairness,
      secondaryCost: travelKm + fairness,
      priorityWeightedDemand,
      demand,
      helpersUsed: perHelper.length,
      maxShiftsPerHelper,
    },
    load,
  };
}

/**
 * Plans every slot afresh, keeping the input's accepted assignments where they are (proposed ones
 * are dropped and re-planned; use `replan` to keep them).
 */
export function plan(input: PlanInput, options: PlanOptions = {}): Plan {
  const c = compile(input, options);
  const state = new State(c);
  const index = new CandidateIndex(c);
  seed(state, (input.assignments ?? []).filter((a) => a.status === 'accepted'), () => false);
  const order = planningOrder(c, index, c.shifts.keys());
  fillShifts(state, index, order, { augment: true });
  ejectAll(state, index, order);
  state.commit();
  const iterations = options.searchIterations ?? DEFAULT_SEARCH_ITERATIONS;
  ruinAndRecreate(state, index, order, iterations, 'fill');
  ruinAndRecreate(state, index, order, Math.ceil(iterations / 2), 'travel');
  for (let pass = 0; pass < 3 && !c.shouldStop() && improve(state, index, order) > 0; pass++) {
    fillShifts(
      state,
      index,
      order.filter((s) => state.open(s) > 0),
      { augment: true },
    );
  }
  if (c.strict) secureUrgent(state, index, order);
  return toPlan(c, state, input, options, (h, s) => state.isFixed(h, s));
}
