/**
 * The planner, in four phases: (1) a priority-ordered greedy fill with augmenting paths,
 * (2) ejection moves, (3) ruin-and-recreate local search (local-search.ts), first for fill, then
 * for travel and fairness, (4) a travel/fairness improvement pass (swaps with idle helpers and
 * exchanges between assigned ones) with refills.
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
 * only when (priority-weighted fill, filled headcount, travel + fairness) improves
 * lexicographically, so they can never make the plan worse. The MIP oracle measures what is still
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
import { CandidateIndex, type CandidateList } from './candidate-index.js';
import { compile, pairDistanceKm, staticPairDistance, type Compiled } from './compile.js';
import type { Assignment, HelperLoad, Plan, PlanInput, PlanOptions, UnfilledShift } from './model.js';
import { ruinAndRecreate } from './local-search.js';
import { fairnessCost } from './objective.js';
import { HOUR_MS } from './time.js';
import { State } from './state.js';

const DEFAULT_SEARCH_ITERATIONS = 1000;
/** Edges an augmenting search may scan before it gives up on a slot. */
const SEARCH_BUDGET = 20_000;
const EPS = 1e-9;

export interface FillOptions {
  augment: boolean;
  searchBudget?: number;
}

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

/** The cheapest helper that can take `s` without moving anybody, or −1. */
export function bestDirect(state: State, index: CandidateIndex, s: number): number {
  const fair = state.c.fairnessKm;
  for (;;) {
    const list = index.get(s);
    let best = -1;
    let bestCost = Infinity;
    for (let i = 0; i < list.helpers.length; i++) {
      const d = list.distKm[i]!;
      if (d >= bestCost) break;
      const h = list.helpers[i]!;
      if (!state.canTake(h, s)) continue;
      const cost = d + fair * state.shiftsOf(h);
      if (cost < bestCost - EPS) {
        best = h;
        bestCost = cost;
      }
    }
    if (best >= 0 || !index.extend(s)) return best;
  }
}

/**
 * Shifts whose search failed completely, valid while the state's version is unchanged: a failed
 * search explored everything reachable from them, and nothing reachable has changed since (the
 * argument that lets Kuhn's algorithm keep its visited marks across failed searches). A search cut
 * by its budget marks the shifts it expanded as well; that part is a heuristic, their subtrees were
 * not finished, and it is what keeps thousands of hopeless slots from each paying the full budget.
 */
const deadShifts = new WeakMap<State, { version: number; shifts: Set<number> }>();

function deadSet(state: State): Set<number> {
  let memo = deadShifts.get(state);
  if (!memo || memo.version !== state.version) {
    memo = { version: state.version, shifts: new Set() };
    deadShifts.set(state, memo);
  }
  return memo.shifts;
}

/**
 * Breadth-first search for a chain of moves (h₁ from s₁ into `root`, h₂ from s₂ into s₁, …, a free
 * helper into the last) so that `root` gains one helper and every other shift on the chain keeps its
 * headcount. Applies the chain and returns true when found.
 */
export function augment(state: State, index: CandidateIndex, root: number, budget = SEARCH_BUDGET): boolean {
  const dead = deadSet(state);
  if (dead.has(root)) return false;
  const parent = new Map<number, number>([[root, -1]]);
  const mover = new Map<number, number>();
  const usedHelpers = new Set<number>();
  const queue = [root];
  let scanned = 0;
  for (let qi = 0; qi < queue.length; qi++) {
    const t = queue[qi]!;
    const list = index.get(t);
    for (let i = 0; i < list.helpers.length; i++) {
      state.work++;
      if (++scanned > budget) {
        for (let k = 0; k < qi; k++) dead.add(queue[k]!);
        return false;
      }
      const h = list.helpers[i]!;
      if (usedHelpers.has(h)) continue;
      if (t !== root && state.canTake(h, t)) {
        state.add(h, t);
        for (let u = t; u !== root; ) {
          const m = mover.get(u)!;
          const p = parent.get(u)!;
          state.remove(m, u);
          state.add(m, p);
          u = p;
        }
        return true;
      }
      const b = state.soleBlocker(h, t);
      if (b >= 0 && !parent.has(b) && !dead.has(b)) {
        parent.set(b, t);
        mover.set(b, h);
        usedHelpers.add(h);
        queue.push(b);
      }
    }
  }
  for (const t of queue) dead.add(t);
  return false;
}

/** Fills the open slots of `order`'s shifts, one shift at a time, in that order. */
export function fillShifts(state: State, index: CandidateIndex, order: readonly number[], opts: FillOptions): void {
  for (const s of order) {
    while (state.open(s) > 0 && state.siteRoom(s)) {
      const h = bestDirect(state, index, s);
      if (h >= 0) state.add(h, s);
      else if (!(opts.augment && augment(state, index, s, opts.searchBudget))) break;
    }
  }
}

/** Candidates tried per ejection attempt, and the search budget of the refills inside one. */
const EJECT_TRIES = 30;
const EJECT_REFILL_BUDGET = 3_000;
/**
 * Work (edges scanned) all ejection passes of one plan may spend, about a second on this
 * machine: where helpers are very scarce every open slot fails expensively, and the gain per
 * second falls off long before the open slots run out. Counted, not timed, to stay deterministic.
 */
const EJECT_WORK = 10_000_000;

/**
 * One ejection move for an open slot of `s`: a candidate helper leaves every shift that clashes
 * with `s` and takes `s`, may pick up further open shifts that its old schedule blocked, and the
 * shifts it left are refilled (directly or by an augmenting chain). Kept only when it raises
 * (priority-weighted fill, filled headcount) lexicographically, otherwise rolled back. This is what
 * the augmenting search cannot express: a helper whose one long midday shift blocks a morning and
 * an evening shift, or an urgent slot that is worth more than two less urgent ones.
 */
export function eject(state: State, index: CandidateIndex, s: number, openOrder: readonly number[]): boolean {
  const c = state.c;
  const list = index.get(s);
  const tries = Math.min(list.helpers.length, EJECT_TRIES);
  for (let i = 0; i < tries; i++) {
    const h = list.helpers[i]!;
    const sched = state.sched[h]!;
    if (sched.includes(s)) continue;
    const blockers = sched.filter((t) => state.clash(s, t));
    if (blockers.some((t) => state.isFixed(h, t))) continue;
    const mark = state.mark();
    let dW = c.sPrio[s]!;
    let dN = 1;
    for (const b of blockers) {
      state.remove(h, b);
      dW -= c.sPrio[b]!;
      dN -= 1;
    }
    // Hours per day may still block: give up the least urgent shifts sharing a day with s.
    const days = new Set(c.sDays[s]!.map(([d]) => d));
    while (!state.canTake(h, s)) {
      const sameDay = state.sched[h]!
        .filter((t) => !state.isFixed(h, t) && c.sDays[t]!.some(([d]) => days.has(d)))
        .sort((a, b) => c.sPrio[a]! - c.sPrio[b]! || a - b);
      const b = sameDay[0];
      if (b === undefined) break;
      state.remove(h, b);
      blockers.push(b);
      dW -= c.sPrio[b]!;
      dN -= 1;
    }
    if (blockers.length === 0 || !state.canTake(h, s)) {
      state.rollback(mark);
      continue;
    }
    state.add(h, s);
    state.work += openOrder.length;
    for (const t of openOrder) {
      if (t !== s && state.open(t) > 0 && staticPairDistance(c, h, t) >= 0 && state.canTake(h, t) && state.siteRoom(t)) {
        state.add(h, t);
        dW += c.sPrio[t]!;
        dN += 1;
      }
    }
    for (const b of blockers) {
      if (state.open(b) <= 0 || !state.siteRoom(b)) continue;
      const h2 = bestDirect(state, index, b);
      if (h2 >= 0) state.add(h2, b);
      if (h2 >= 0 || augment(state, index, b, EJECT_REFILL_BUDGET)) {
        dW += c.sPrio[b]!;
        dN += 1;
      }
    }
    if (dW > 0 || (dW === 0 && dN > 0)) return true;
    state.rollback(mark);
  }
  return false;
}

/** Fills `t` by one helper, directly or by an augmenting chain; returns whether it worked. */
function fillOne(state: State, index: CandidateIndex, t: number, budget: number): boolean {
  if (state.open(t) <= 0 || !state.siteRoom(t)) return false;
  const h = bestDirect(state, index, t);
  if (h >= 0) {
    state.add(h, t);
    return true;
  }
  return augment(state, index, t, budget);
}

/**
 * The site-capacity counterpart of `eject`: when `s`'s site is full, one helper leaves an
 * overlapping shift u at the site, and the room is given to `s` and the other open shifts at the
 * site (a long shift can block two short ones). Kept only on a lexicographic improvement.
 */
export function ejectAtSite(state: State, index: CandidateIndex, s: number, openOrder: readonly number[]): boolean {
  const c = state.c;
  const rivals = c.sSiteOverlap[s]!.filter((u) => u !== s);
  const atSite = openOrder.filter((t) => c.sSite[t] === c.sSite[s]);
  for (const u of rivals) {
    const movable = state.crew[u]!.filter((h) => !state.isFixed(h, u));
    const hu = movable[movable.length - 1];
    if (hu === undefined) continue;
    const mark = state.mark();
    state.remove(hu, u);
    let dW = -c.sPrio[u]!;
    let dN = -1;
    for (const t of [s, ...atSite]) {
      if (t === u) continue;
      while (fillOne(state, index, t, EJECT_REFILL_BUDGET)) {
        dW += c.sPrio[t]!;
        dN += 1;
      }
    }
    if (dW > 0 || (dW === 0 && dN > 0)) return true;
    state.rollback(mark);
  }
  return false;
}

/** Ejection passes over the shifts with open slots until nothing improves (at most `passes`). */
export function ejectAll(
  state: State,
  index: CandidateIndex,
  order: readonly number[],
  passes = 3,
  workBudget = EJECT_WORK,
): number {
  let total = 0;
  const stop = state.work + workBudget;
  for (let pass = 0; pass < passes; pass++) {
    let improved = 0;
    const open = order.filter((s) => state.open(s) > 0);
    for (const s of open) {
      while (state.open(s) > 0 && state.work < stop) {
        const moved = state.siteRoom(s) ? eject(state, index, s, open) : ejectAtSite(state, index, s, open);
        if (!moved) break;
        improved++;
      }
    }
    total += improved;
    if (improved === 0) break;
  }
  return total;
}

/**
 * Swaps an assigned (movable) helper for a candidate with lower travel + marginal fairness cost.
 * Fill stays the same; returns how many swaps were made.
 */
export function improve(state: State, index: CandidateIndex, order: readonly number[]): number {
  const c = state.c;
  let swaps = 0;
  for (const s of order) {
    const list = index.get(s);
    for (const h of [...state.crew[s]!]) {
      if (state.isFixed(h, s)) continue;
      const dh = pairDistanceKm(c, h, s);
      const current = dh + c.fairnessKm * (state.shiftsOf(h) - 1);
      let swapped = false;
      for (let i = 0; i < list.helpers.length; i++) {
        const d = list.distKm[i]!;
        if (d >= current - EPS) break;
        const h2 = list.helpers[i]!;
        if (d + c.fairnessKm * state.shiftsOf(h2) < current - EPS && state.canTake(h2, s)) {
          state.remove(h, s);
          state.add(h2, s);
          swaps++;
          swapped = true;
          break;
        }
      }
      if (!swapped && exchange(state, list, h, s, dh)) swaps++;
    }
  }
  return swaps;
}

/** Nearest candidates an exchange looks at; beyond them the travel saved rarely pays the scan. */
const EXCHANGE_TRIES = 16;

/**
 * Two assigned helpers trade shifts when that shortens their travel together; loads stay the same,
 * so fairness and fill do too.
 */
function exchange(state: State, list: CandidateList, h: number, s: number, dh: number): boolean {
  const c = state.c;
  for (let i = 0; i < list.helpers.length && i < EXCHANGE_TRIES; i++) {
    const d2s = list.distKm[i]!;
    if (d2s >= dh - EPS) return false;
    const h2 = list.helpers[i]!;
    if (h2 === h) continue;
    for (const s2 of state.sched[h2]!) {
      if (s2 === s || state.isFixed(h2, s2) || state.crew[s2]!.includes(h) || state.crew[s]!.includes(h2)) continue;
      const dh2 = staticPairDistance(c, h, s2);
      if (dh2 < 0 || dh2 + d2s >= dh + pairDistanceKm(c, h2, s2) - EPS) continue;
      state.remove(h, s);
      state.remove(h2, s2);
      if (state.canTake(h2, s) && state.canTake(h, s2)) {
        state.add(h2, s);
        state.add(h, s2);
        return true;
      }
      state.add(h, s);
      state.add(h2, s2);
    }
  }
  return false;
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
  return { input: sortedInput, options, assignments, unfilled, ...scoreState(c, state) };
}

/** The plan's score and loads straight from the state: O(assignments), no maps over all helpers. */
function scoreState(c: Compiled, state: State): Pick<Plan, 'score' | 'load'> {
  let priorityWeightedFill = 0;
  let filled = 0;
  let travelKm = 0;
  let demand = 0;
  let priorityWeightedDemand = 0;
  for (let s = 0; s < c.shifts.length; s++) {
    const prio = c.sPrio[s]!;
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
  for (let pass = 0; pass < 3 && improve(state, index, order) > 0; pass++) {
    fillShifts(
      state,
      index,
      order.filter((s) => state.open(s) > 0),
      { augment: true },
    );
  }
  return toPlan(c, state, input, options, (h, s) => state.isFixed(h, s));
}
