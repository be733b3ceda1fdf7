/**
 * Baselines the benchmark compares against. First-fit greedy: shifts in id order, each slot gets
 * the first helper in id order that meets every rule. It shares the engine's rule checks so the
 * comparison measures the planning strategy, not a different reading of the rules.
 */
import { CandidateIndex } from './candidate-index.js';
import { compile, staticPairDistance } from './compile.js';
import type { Plan, PlanInput, PlanOptions } from './model.js';
import { seed, toPlan } from './planner.js';
import { State } from './state.js';

export function greedyFirstFit(input: PlanInput, options: PlanOptions = {}): Plan {
  const c = compile(input, options);
  const state = new State(c);
  seed(state, (input.assignments ?? []).filter((a) => a.status === 'accepted'), () => false);
  for (let s = 0; s < c.shifts.length; s++) {
    if (!c.sOpen[s]) continue;
    // Scan only the holders of the rarest requirement; it changes the cost, not the first fit.
    let members: readonly number[] | null = null;
    for (const id of c.shiftTokens[s]!) {
      const holders = c.tokenHelpers[id]!;
      if (!members || holders.length < members.length) members = holders;
    }
    const scan = members ?? c.helpers.keys();
    for (const h of scan) {
      if (state.open(s) <= 0 || !state.siteRoom(s)) break;
      if (staticPairDistance(c, h, s) >= 0 && state.canTake(h, s)) state.add(h, s);
    }
  }
  return toPlan(c, state, input, options, (h, s) => state.isFixed(h, s));
}

/**
 * The baseline a coordinator would do by hand: shifts most urgent first (then earliest), each slot
 * to the nearest helper who meets every rule and is still free. No helper ever moves once placed,
 * which is what the planner's augmenting chains and local search add.
 */
export function greedyByPriority(input: PlanInput, options: PlanOptions = {}): Plan {
  const c = compile(input, options);
  const state = new State(c);
  const index = new CandidateIndex(c);
  seed(state, (input.assignments ?? []).filter((a) => a.status === 'accepted'), () => false);
  const order = [...c.shifts.keys()]
    .filter((s) => c.sOpen[s] && c.sHead[s]! > 0)
    .sort((a, b) => c.sPrio[b]! - c.sPrio[a]! || c.sStart[a]! - c.sStart[b]! || a - b);
  for (const s of order) {
    let i = 0;
    while (state.open(s) > 0 && state.siteRoom(s)) {
      const list = index.get(s);
      if (i >= list.helpers.length) {
        if (index.extend(s)) continue;
        break;
      }
      const h = list.helpers[i++]!;
      if (state.canTake(h, s)) state.add(h, s);
    }
  }
  return toPlan(c, state, input, options, (h, s) => state.isFixed(h, s));
}
