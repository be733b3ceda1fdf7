/**
 * Candidate edges (helper, shift) that pass every static rule, found without looking at all
 * helpers × shifts. Helpers go into one kd-tree (kdbush) per required skill or resource (and one
 * for everybody) and hour of availability; a shift queries the tree of its rarest requirement at
 * the hour it starts with geokdbush's nearest-first
 * search, filtered by the exact rules. Nearest-first with a result limit means the work per shift is
 * proportional to the candidates it keeps, not to the helpers within reach: with 50,000 helpers a
 * shift needing no skill would otherwise see tens of thousands of pairs. A truncated list is
 * completed when the planner runs out of usable candidates, so truncation never hides a helper
 * from a shift's own direct fill.
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

/** Width of the time buckets helpers are indexed by: an hour. */
const BUCKET_MS = 3_600_000;

interface TreeOfHelpers {
  tree: KDBush | null;
  members: Int32Array;
  maxTravelKm: number;
}

const EMPTY = new Int32Array(0);

export class CandidateIndex {
  private readonly trees = new Map<string, TreeOfHelpers>();
  private readonly lists: (CandidateList | undefined)[];
  /** Helpers with some availability in each hour bucket (by bucket number), ascending; built on first use. */
  private buckets: Map<number, number[]> | undefined;

  constructor(
    private readonly c: Compiled,
    /** Initial list length per shift, as a function of its headcount. */
    private readonly initialLimit: (headcount: number) => number = (n) => Math.max(64, 8 * n),
  ) {
    this.lists = new Array<CandidateList | undefined>(c.shifts.length);
  }

  /**
   * Helpers per hour bucket: those with a window overlapping the hour. A helper who can work a shift
   * is available at its start, so the bucket of the start holds every candidate — and in a dense
   * city, where nearly everybody is within reach, only the few available then: the time filter
   * before the distance filter is what keeps a query proportional to the pairs it finds rather
   * than to all helpers within the largest travel distance.
   */
  private bucketsOf(): Map<number, number[]> {
    if (this.buckets) return this.buckets;
    const c = this.c;
    const needed = new Set<number>();
    for (let s = 0; s < c.shifts.length; s++) if (c.sOpen[s]) needed.add(Math.floor(c.sStart[s]! / BUCKET_MS));
    const buckets = new Map<number, number[]>([...needed].map((b) => [b, []]));
    for (let h = 0; h < c.helpers.length; h++) {
      for (let i = c.hWinOff[h]!; i < c.hWinOff[h + 1]!; i += 2) {
        const first = Math.floor(c.hWin[i]! / BUCKET_MS);
        const last = Math.ceil(c.hWin[i + 1]! / BUCKET_MS) - 1;
        if (last - first > needed.size) {
          for (const b of needed) if (b >= first && b <= last) buckets.get(b)!.push(h);
        } else {
          for (let b = first; b <= last; b++) buckets.get(b)?.push(h);
        }
      }
    }
    this.buckets = buckets;
    return buckets;
  }

  private treeFor(tokenId: number, bucket: number): TreeOfHelpers {
    const key = `${tokenId}:${bucket}`;
    let entry = this.trees.get(key);
    if (entry) return entry;
    const c = this.c;
    const W = c.words;
    const inBucket = this.bucketsOf().get(bucket) ?? [];
    const members = Int32Array.from(
      tokenId < 0 ? inBucket : inBucket.filter((h) => (c.helperMask[h * W + (tokenId >>> 5)]! & (1 << (tokenId & 31))) !== 0),
    );
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
    this.trees.set(key, entry);
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
    const { tree, members, maxTravelKm } = this.treeFor(this.rarestToken(s), Math.floor(c.sStart[s]! / BUCKET_MS));
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

  /**
   * The complete list for the shift; returns false when the list was already complete. One step,
   * not a growing limit: when the nearest candidates are all busy the planner needs the farther
   * ones, and with a filter that rejects most helpers (availability) every query scans the whole
   * reach anyway, so each intermediate step cost as much as the final one.
   */
  extend(s: number): boolean {
    const list = this.get(s);
    if (list.complete) return false;
    this.lists[s] = this.query(s, Infinity);
    return true;
  }

  /** Every helper statically feasible for the shift (used by the oracle and baselines). */
  all(s: number): CandidateList {
    while (this.extend(s));
    return this.get(s);
  }
}
