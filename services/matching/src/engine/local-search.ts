/**
 * Ruin-and-recreate local search (large-neighbourhood search) after construction. Ejection and
 * augmenting chains only take steps that improve at once; the optimum sometimes needs a rotation
 * of several helpers that no single step reaches (a helper on a long midday shift who could do a
 * morning and a night shift instead, while someone else takes over midday). So: pick an open
 * shift, clear the movable assignments of the shifts its nearest candidates work on, refill that
 * neighbourhood in a shuffled order, and keep the result only if the objective improves
 * lexicographically; otherwise roll back. The shuffles come from a fixed-seed generator, so a
 * plan stays a pure function of its input.
 */
import type { CandidateIndex } from './candidate-index.js';
import { ejectAll, fillShifts, improve, usefulRivals } from './moves.js';
import { rng } from './random.js';
import type { State } from './state.js';

const NEIGHBOURS = 12;
/** Work (edges scanned) the whole search may spend, like EJECT_WORK in planner.ts. */
const LNS_WORK = 3_000_000;
const SEED = 0x6b617468;

/**
 * `fill` roots the neighbourhoods at open shifts and stops when none is left; `travel` roots them
 * anywhere and polishes each refill with the travel/fairness swaps before comparing. Two phases,
 * because polishing inside the fill phase spends its work budget on kilometres and, measured on
 * 300 × 40 instances, cost fill where it was scarcest.
 */
export type SearchMode = 'fill' | 'travel';

export function ruinAndRecreate(
  state: State,
  index: CandidateIndex,
  order: readonly number[],
  iterations: number,
  mode: SearchMode,
): number {
  const c = state.c;
  const random = rng(mode === 'fill' ? SEED : SEED + 1);
  const rank = new Map(order.map((s, i) => [s, i]));
  let accepted = 0;
  const stop = state.work + LNS_WORK;
  for (let it = 0; it < iterations && state.work < stop && !c.shouldStop(); it++) {
    const pool = mode === 'fill' ? order.filter((s) => state.open(s) > 0) : order;
    if (pool.length === 0) break;
    const root = pool[Math.floor(random() * pool.length)]!;
    const hood = new Set<number>([root]);
    const list = index.get(root);
    for (let i = 0; i < list.helpers.length && i < NEIGHBOURS; i++) {
      for (const t of state.sched[list.helpers[i]!]!) if (rank.has(t)) hood.add(t);
    }
    // A full site is part of the neighbourhood, but only through the overlapping shifts whose
    // place can be worth more elsewhere (usefulRivals); a root at a site full of equals is skipped.
    if (!state.siteRoom(root)) {
      const rivals = usefulRivals(state, root, pool).filter((t) => rank.has(t));
      if (mode === 'fill' && rivals.length === 0) continue;
      for (const t of rivals.slice(0, NEIGHBOURS)) hood.add(t);
    }
    if (hood.size < 2) continue;
    const before = state.snapshot();
    const mark = state.mark();
    for (const t of hood) {
      for (const h of [...state.crew[t]!]) if (!state.isFixed(h, t)) state.remove(h, t);
    }
    const keys = new Map([...hood].map((t) => [t, random()]));
    const refill = [...hood].sort((a, b) => c.sPrio[b]! - c.sPrio[a]! || keys.get(a)! - keys.get(b)!);
    fillShifts(state, index, refill, { augment: true, searchBudget: 3_000 });
    ejectAll(state, index, refill, 1, LNS_WORK);
    if (mode === 'travel') improve(state, index, refill);
    if (state.improvesOn(before, true)) {
      accepted++;
      state.commit();
    } else {
      state.rollback(mark);
    }
  }
  return accepted;
}
