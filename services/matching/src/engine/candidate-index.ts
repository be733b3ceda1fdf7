/**
 * Candidate edges (helper, shift) that pass every static rule, found without looking at all
 * helpers × shifts. Helpers go into one kd-tree (kdbush) per required skill or resource and one
 * for everybody; a shift queries the tree of its rarest requirement with geokdbush's nearest-first
 * search, filtered by the exact rules. Nearest-first with a result limit means the work per shift is
 * proportional to the candidates it keeps, not to the helpers within reach: with 50,000 helpers a
 * shift needing no skill would otherwise see tens of thousands of pairs. A truncated list is
 * extended (4× at a time) when the planner runs out of usable candidates, so truncation never
 * hides a helper from a shift's own direct fill.
 */
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import { staticPairDistance, type Compiled } from './compile.js';

export interface CandidateList {
  /** Helper indices, nearest first (ties by index). */
  helpers: Int32Array;
  distKm: Float64Array;
  /** False when the list was cut at `limit` and farther candidates may exist. */
  complete: boolean;
  limit: number;
}

interface TreeOfHelpers {
  tree: KDBush | null;
  members: Int32Array;
  maxTravelKm: number;
}

const EMPTY = new Int32Array(0);

export class CandidateIndex {
  private readonly trees = new Map<number, TreeOfHelpers>();
  private readonly lists: (CandidateList | undefined)[];

  constructor(
    private readonly c: Compiled,
    /** Initial list length per shift, as a function of its headcount. */
    private readonly initialLimit: (headcount: number) => number = (n) => Math.max(64, 8 * n),
  ) {
    this.lists = new Array<CandidateList | undefined>(c.shifts.length);
  }

  private treeFor(tokenId: number): TreeOfHelpers {
    let entry = this.trees.get(tokenId);
    if (entry) return entry;
    const c = this.c;
    const members =
      tokenId < 0 ? Int32Array.from(c.helpers, (_, i) => i) : Int32Array.from(c.tokenHelpers[tokenId]!);
    let tree: KDBush | null = null;
    let maxTravelKm = 0;
    if (members.length > 0) {
      tree = new KDBush(members.length);
      for (const h of members) {
        tree.add(c.hLon[h]!, c.hLat[h]!);
        maxTravelKm = Math.max(maxTravelKm, c.hTravel[h]!);
      }
      tree.finish();
    }
    entry = { tree, members, maxTravelKm };
    this.trees.set(tokenId, entry);
    return entry;
  }

  private rarestToken(s: number): number {
    let best = -1;
    let bestCount = Infinity;
    for (const id of this.c.shiftTokens[s]!) {
      const n = this.c.tokenHelpers[id]!.length;
      if (n < bestCount) {
        best = id;
        bestCount = n;
      }
    }
    return best;
  }

  private query(s: number, limit: number): CandidateList {
    const c = this.c;
    const { tree, members, maxTravelKm } = this.treeFor(this.rarestToken(s));
    if (!tree || !c.sOpen[s]) return { helpers: EMPTY, distKm: new Float64Array(0), complete: true, limit };
    const dist = new Map<number, number>();
    const ids = around(tree, c.sLon[s]!, c.sLat[s]!, limit, maxTravelKm, (id) => {
      const h = members[id]!;
      const d = staticPairDistance(c, h, s);
      if (d < 0) return false;
      dist.set(h, d);
      return true;
    });
    const hs = ids.map((id) => members[id]!);
    hs.sort((a, b) => dist.get(a)! - dist.get(b)! || a - b);
    return {
      helpers: Int32Array.from(hs),
      distKm: Float64Array.from(hs, (h) => dist.get(h)!),
      complete: hs.length < limit,
      limit,
    };
  }

  /** The shift's candidates, computed on first use. */
  get(s: number): CandidateList {
    let list = this.lists[s];
    if (!list) {
      list = this.query(s, this.initialLimit(this.c.sHead[s]!));
      this.lists[s] = list;
    }
    return list;
  }

  /** A longer list for the shift; returns false when the list was already complete. */
  extend(s: number): boolean {
    const list = this.get(s);
    if (list.complete) return false;
    this.lists[s] = this.query(s, list.limit * 4);
    return true;
  }

  /** Every helper statically feasible for the shift (used by the oracle and baselines). */
  all(s: number): CandidateList {
    while (this.extend(s));
    return this.get(s);
  }
}
