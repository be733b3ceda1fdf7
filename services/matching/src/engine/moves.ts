/**
 * The moves the planner is built from, each keeping every rule: a direct fill, an augmenting chain,
 * ejections (a helper leaves what blocks it; a full site makes room) and the travel/fairness swaps.
 * Every move that can lose fill is tentative: it is kept only when the lexicographic objective
 * improves and rolled back through the state's journal otherwise. See planner.ts for why these
 * moves and in which order.
 */
import type { CandidateIndex, CandidateList } from './candidate-index.js';
import { pairDistanceKm, staticPairDistance } from './compile.js';
import type { State } from './state.js';

/** Edges an augmenting search may scan before it gives up on a slot. */
const SEARCH_BUDGET = 20_000;
const EPS = 1e-9;

export interface FillOptions {
  augment: boolean;
  searchBudget?: number;
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
export function augment(
  state: State,
  index: CandidateIndex,
  root: number,
  budget = SEARCH_BUDGET,
  dead: Set<number> = deadSet(state),
): boolean {
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

/**
 * Fills the open slots of `order`'s shifts, one shift at a time, in that order. The shifts a failed
 * augmenting search explored stay dead for the rest of the call, whatever is filled meanwhile:
 * without the time rules that is exact — they and their candidates form a set whose helpers are
 * all busy inside it (Hall's condition fails), and neither a direct fill nor an augmenting path
 * elsewhere can ever enter it (the argument of Kuhn's algorithm). With the time rules it is a
 * heuristic that ejection and the local search make up for. It is what makes the fill of a
 * contested instance cost about one search over the candidate edges instead of one per open slot:
 * at 10,000 × 4,000 in a dense city, 6 of 16 s went to searches that had failed before.
 */
export function fillShifts(state: State, index: CandidateIndex, order: readonly number[], opts: FillOptions): void {
  const dead = new Set<number>();
  for (const s of order) {
    while (state.open(s) > 0 && state.siteRoom(s)) {
      const h = bestDirect(state, index, s);
      if (h >= 0) state.add(h, s);
      else if (!(opts.augment && augment(state, index, s, opts.searchBudget, dead))) break;
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
 * 3 million rather than 10: on the dense city at 3,000 × 1,000 the last 7 million (with the local
 * search's) bought 4 tier-4 slots of 5,033 for 1.8 s.
 */
const EJECT_WORK = 3_000_000;

/**
 * One ejection move for an open slot of `s`: a candidate helper leaves every shift that clashes
 * with `s` and takes `s`, may pick up further open shifts that its old schedule blocked, and the
 * shifts it left are refilled (directly or by an augmenting chain). Kept only when it raises
 * (tiers or weighted fill, filled headcount) lexicographically, otherwise rolled back. This is what
 * the augmenting search cannot express: a helper whose one long midday shift blocks a morning and
 * an evening shift, or an urgent slot that is worth more than two less urgent ones.
 */
export function eject(
  state: State,
  index: CandidateIndex,
  s: number,
  openOrder: readonly number[],
  pass: EjectionPass = ejectionPass(index, openOrder),
): boolean {
  const c = state.c;
  const list = index.get(s);
  const tries = Math.min(list.helpers.length, EJECT_TRIES);
  for (let i = 0; i < tries; i++) {
    const h = list.helpers[i]!;
    const sched = state.sched[h]!;
    if (sched.includes(s)) continue;
    const blockers = sched.filter((t) => state.clash(s, t));
    if (blockers.some((t) => state.isFixed(h, t))) continue;
    const before = state.snapshot();
    const mark = state.mark();
    for (const b of blockers) state.remove(h, b);
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
    }
    if (blockers.length === 0 || !state.canTake(h, s)) {
      state.rollback(mark);
      continue;
    }
    state.add(h, s);
    const reachable = pass.openOf.get(h) ?? [];
    state.work += reachable.length + pass.unindexed.length;
    for (const list of [reachable, pass.unindexed]) {
      for (const t of list) {
        if (t !== s && state.open(t) > 0 && staticPairDistance(c, h, t) >= 0 && state.canTake(h, t) && state.siteRoom(t)) {
          state.add(h, t);
        }
      }
    }
    for (const b of blockers) {
      if (state.open(b) <= 0 || !state.siteRoom(b) || pass.dead.has(b)) continue;
      const h2 = bestDirect(state, index, b);
      if (h2 >= 0) state.add(h2, b);
      else if (!augment(state, index, b, EJECT_REFILL_BUDGET, pass.dead)) pass.dead.add(b);
    }
    if (state.improvesOn(before, false)) return true;
    state.rollback(mark);
  }
  return false;
}

/**
 * What one ejection pass shares between its moves. `openOf`: the open shifts each helper is a
 * candidate of, from their candidate lists (complete for open shifts: the direct fill extended
 * them), so a helper who made room looks only at the shifts it can work instead of at every open
 * shift — that scan made each ejection cost O(open shifts), quadratic in total. `unindexed`: open
 * shifts whose list is truncated, checked for everybody. `dead`: shifts whose refill failed, by
 * direct fill and by augmenting search; like fillShifts' marks they are kept for the pass, a
 * heuristic across tentative moves, which in a contested city spares the same hopeless refill
 * being tried for every candidate of every open slot (10 of 18 s at 10,000 × 4,000).
 */
export interface EjectionPass {
  openOf: Map<number, number[]>;
  unindexed: number[];
  dead: Set<number>;
}

export function ejectionPass(index: CandidateIndex, open: readonly number[]): EjectionPass {
  const openOf = new Map<number, number[]>();
  const unindexed: number[] = [];
  for (const t of open) {
    const list = index.get(t);
    if (!list.complete) {
      unindexed.push(t);
      continue;
    }
    for (const h of list.helpers) {
      const mine = openOf.get(h);
      if (mine) mine.push(t);
      else openOf.set(h, [t]);
    }
  }
  return { openOf, unindexed, dead: new Set() };
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
  const atSite = openOrder.filter((t) => c.sSite[t] === c.sSite[s]);
  for (const u of usefulRivals(state, s, openOrder)) {
    const movable = state.crew[u]!.filter((h) => !state.isFixed(h, u));
    const hu = movable[movable.length - 1]!;
    const before = state.snapshot();
    const mark = state.mark();
    state.remove(hu, u);
    for (const t of [s, ...atSite]) {
      if (t === u) continue;
      while (fillOne(state, index, t, EJECT_REFILL_BUDGET));
    }
    // The helper who made room may be needed elsewhere (another site, another time): without this,
    // a swap that moves them to a lower-priority shift and lets a helper with no other choice take
    // their place would always look like a loss.
    for (const t of openOrder) {
      if (t === u || state.open(t) <= 0 || !state.siteRoom(t)) continue;
      if (staticPairDistance(c, hu, t) >= 0 && state.canTake(hu, t)) {
        state.add(hu, t);
        break;
      }
    }
    if (state.improvesOn(before, false)) return true;
    state.rollback(mark);
  }
  return false;
}

/** The helper a site ejection would move off `u`: its last movable one, or −1. */
function lastMovable(state: State, u: number): number {
  const crew = state.crew[u]!;
  for (let i = crew.length - 1; i >= 0; i--) if (!state.isFixed(crew[i]!, u)) return crew[i]!;
  return -1;
}

/**
 * The overlapping shifts at `s`'s full site whose giving up one helper can improve the plan — a
 * necessary condition, checked before the expensive tentative move. Handing a place from u to s
 * gains only if (1) s is more urgent than u; (2) the place u frees also serves another open shift
 * at the site that does not overlap s (one long shift blocks two short ones); or (3) u's helper
 * can then fill an open slot elsewhere. A binding shared limit with equals competing for it (all
 * shifts at one time and priority) offers none of these, and this is what keeps such a site from
 * costing every open slot a full round of tentative moves over every rival, which was 25 s at
 * 100 helpers.
 */
export function usefulRivals(state: State, s: number, openOrder: readonly number[]): number[] {
  const c = state.c;
  const overlaps = (a: number, b: number) => c.sStart[a]! < c.sEnd[b]! && c.sStart[b]! < c.sEnd[a]!;
  const out: number[] = [];
  for (const u of c.sSiteOverlap[s]!) {
    if (u === s) continue;
    const hu = lastMovable(state, u);
    if (hu < 0) continue;
    state.work += 1;
    if (c.sPrio[u]! < c.sPrio[s]!) {
      out.push(u);
      continue;
    }
    let useful = false;
    for (const t of openOrder) {
      if (t === s || t === u || state.open(t) <= 0) continue;
      state.work += 1;
      const sameSite = c.sSite[t] === c.sSite[s];
      if (sameSite && overlaps(t, u) && !overlaps(t, s)) useful = true;
      else if (
        !(sameSite && overlaps(t, s)) &&
        (sameSite || state.siteRoom(t)) &&
        staticPairDistance(c, hu, t) >= 0 &&
        state.canTake(hu, t, u)
      ) {
        useful = true;
      }
      if (useful) break;
    }
    if (useful) out.push(u);
  }
  return out;
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
    const shared = ejectionPass(index, open);
    for (const s of open) {
      if (state.c.shouldStop()) return total + improved;
      while (state.open(s) > 0 && state.work < stop) {
        const moved = state.siteRoom(s) ? eject(state, index, s, open, shared) : ejectAtSite(state, index, s, open);
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

/**
 * Makes the plan keep the strict-priority promise: no open slot of a shift s is left while some
 * helper could take it by giving up only assignments less urgent than s — their own, and at a full
 * site those of other helpers on overlapping shifts there. Each such trade gains one slot of s's
 * tier and loses only lower ones, so it is a strict improvement; the slots it frees are refilled.
 * Shifts are visited most urgent first: a trade at priority p changes only assignments below p
 * and adds one at p, so it never makes a more urgent slot tradeable again, and one pass suffices.
 * Every candidate of an open slot is tried (its list is complete: the direct fill extended it).
 */
export function secureUrgent(state: State, index: CandidateIndex, order: readonly number[]): number {
  const c = state.c;
  let trades = 0;
  for (const s of order) {
    const p = c.sPrio[s]!;
    while (state.open(s) > 0) {
      if (!tradeInto(state, index, s, p, order)) break;
      trades++;
    }
  }
  return trades;
}

function tradeInto(state: State, index: CandidateIndex, s: number, p: number, order: readonly number[]): boolean {
  const c = state.c;
  const list = index.all(s);
  const lowerAtSite = () =>
    c.sSiteOverlap[s]!.filter((u) => c.sPrio[u]! < p && state.crew[u]!.some((h) => !state.isFixed(h, u)));
  if (!state.siteRoom(s) && lowerAtSite().length === 0) return false;
  for (let i = 0; i < list.helpers.length; i++) {
    const h = list.helpers[i]!;
    const sched = state.sched[h]!;
    if (sched.includes(s)) continue;
    const lower = sched.filter((t) => c.sPrio[t]! < p && !state.isFixed(h, t));
    state.work += 1;
    if (lower.length === 0 && !state.canTake(h, s)) continue;
    const mark = state.mark();
    const freed: number[] = [];
    for (const t of lower) {
      if (state.clash(s, t)) {
        state.remove(h, t);
        freed.push(t);
      }
    }
    // Hours per day may still block: give up the least urgent lower shifts sharing a day with s.
    const days = new Set(c.sDays[s]!.map(([d]) => d));
    const sameDay = lower
      .filter((t) => !freed.includes(t) && c.sDays[t]!.some(([d]) => days.has(d)))
      .sort((a, b) => c.sPrio[a]! - c.sPrio[b]! || a - b);
    for (const t of sameDay) {
      if (state.canTake(h, s)) break;
      state.remove(h, t);
      freed.push(t);
    }
    if (!state.canTake(h, s)) {
      state.rollback(mark);
      continue;
    }
    while (!state.siteRoom(s)) {
      const u = lowerAtSite().sort((a, b) => c.sPrio[a]! - c.sPrio[b]! || a - b)[0];
      if (u === undefined) break;
      state.remove(lastMovable(state, u), u);
      freed.push(u);
    }
    if (!state.siteRoom(s)) {
      state.rollback(mark);
      return false;
    }
    state.add(h, s);
    fillShifts(state, index, order.filter((t) => freed.includes(t)), { augment: true, searchBudget: EJECT_REFILL_BUDGET });
    state.commit();
    return true;
  }
  return false;
}
