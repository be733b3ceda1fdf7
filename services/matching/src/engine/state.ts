/**
 * The mutable schedule the planner edits: who works which shift, with the rules that depend on
 * other assignments (overlap, rest period, hours per day, headcount, site capacity). Helpers hold a
 * handful of shifts at most, so scanning a helper's schedule is cheaper than any interval structure.
 */
import { pairDistanceKm, type Compiled } from './compile.js';

export interface Objective {
  tiers: Int32Array;
  weighted: number;
  filled: number;
  secondary: number;
}

export class State {
  /** Shift indices per helper, in the order assigned. */
  readonly sched: number[][];
  /** Helper indices per shift. */
  readonly crew: number[][];
  /** Accepted pairs as helper × shiftCount + shift; the planner never moves them. */
  readonly fixed = new Set<number>();
  /** Undo log of (helper, shift, +1 add / −1 remove), so a tentative move can be rolled back. */
  private readonly journal: number[] = [];
  /** Running objective totals, kept by add/remove so local search can compare in O(1). */
  readonly tiers = new Int32Array(5);
  weighted = 0;
  filled = 0;
  secondary = 0;
  /** Candidate edges examined by searches so far; the improvement phases budget by it. */
  work = 0;
  /** Bumped by every add and remove; search memos are valid for one version only. */
  version = 0;
  /** Working ms per helper over all days, for a fast "fits every day" answer. */
  private readonly workMs: Float64Array;
  /** Helpers present at each site start point (see `Compiled.sitePoint`), kept by add/remove. */
  private readonly occupancy: Int32Array;

  constructor(readonly c: Compiled) {
    this.sched = c.helpers.map(() => []);
    this.crew = c.shifts.map(() => []);
    this.workMs = new Float64Array(c.helpers.length);
    this.occupancy = new Int32Array(c.sitePointCount);
  }

  /** The objective now, to compare with after a tentative move (`improvesOn`). */
  snapshot(): Objective {
    return { tiers: Int32Array.from(this.tiers), weighted: this.weighted, filled: this.filled, secondary: this.secondary };
  }

  /**
   * Whether the current state is lexicographically better than `before`: tiers from priority 5
   * down (strict mode) or the weighted fill, then filled headcount, then — if `withSecondary` —
   * travel + fairness.
   */
  improvesOn(before: Objective, withSecondary: boolean): boolean {
    if (this.c.strict) {
      for (let p = 4; p >= 0; p--) if (this.tiers[p] !== before.tiers[p]) return this.tiers[p]! > before.tiers[p]!;
    } else if (this.weighted !== before.weighted) {
      return this.weighted > before.weighted;
    }
    if (this.filled !== before.filled) return this.filled > before.filled;
    return withSecondary && this.secondary < before.secondary - 1e-6;
  }

  key(h: number, s: number): number {
    return h * this.c.shifts.length + s;
  }

  add(h: number, s: number, fixed = false): void {
    this.weighted += this.c.sPrio[s]!;
    this.tiers[this.c.sPrio[s]! - 1]! += 1;
    for (let i = this.c.sPtLo[s]!, hi = this.c.sPtHi[s]!; i < hi; i++) this.occupancy[i]! += 1;
    this.filled += 1;
    this.secondary += pairDistanceKm(this.c, h, s) + this.c.fairnessKm * this.sched[h]!.length;
    this.sched[h]!.push(s);
    this.crew[s]!.push(h);
    this.workMs[h]! += this.c.sEnd[s]! - this.c.sStart[s]!;
    this.version++;
    if (fixed) this.fixed.add(this.key(h, s));
    this.journal.push(h, s, 1);
  }

  remove(h: number, s: number): void {
    const sched = this.sched[h]!;
    sched.splice(sched.indexOf(s), 1);
    this.weighted -= this.c.sPrio[s]!;
    this.tiers[this.c.sPrio[s]! - 1]! -= 1;
    for (let i = this.c.sPtLo[s]!, hi = this.c.sPtHi[s]!; i < hi; i++) this.occupancy[i]! -= 1;
    this.filled -= 1;
    this.secondary -= pairDistanceKm(this.c, h, s) + this.c.fairnessKm * sched.length;
    const crew = this.crew[s]!;
    crew.splice(crew.indexOf(h), 1);
    this.workMs[h]! -= this.c.sEnd[s]! - this.c.sStart[s]!;
    this.version++;
    this.journal.push(h, s, -1);
  }

  /** A point to roll back to. */
  mark(): number {
    return this.journal.length;
  }

  /** Undoes every add and remove since `mark` (fixed pairs are only made while seeding). */
  rollback(mark: number): void {
    const j = this.journal;
    while (j.length > mark) {
      const op = j.pop()!;
      const s = j.pop()!;
      const h = j.pop()!;
      if (op > 0) {
        this.remove(h, s);
      } else {
        this.add(h, s);
      }
      j.length -= 3;
    }
  }

  /** Forgets the undo log; called when a move is kept, so the log stays small. */
  commit(): void {
    this.journal.length = 0;
  }

  isFixed(h: number, s: number): boolean {
    return this.fixed.has(this.key(h, s));
  }

  open(s: number): number {
    return this.c.sHead[s]! - this.crew[s]!.length;
  }

  /** Two shifts of one helper clash when they overlap or leave less than the rest period. */
  clash(s: number, t: number): boolean {
    const { sStart, sEnd, restMs } = this.c;
    return sStart[s]! < sEnd[t]! + restMs && sStart[t]! < sEnd[s]! + restMs;
  }

  /**
   * Whether helper `h` can take shift `s` next to the rest of its schedule, ignoring shift
   * `ignore` (the one it would leave in a move). Static pair rules are checked elsewhere.
   */
  canTake(h: number, s: number, ignore = -1): boolean {
    const sched = this.sched[h]!;
    for (const t of sched) {
      if (t === s) return false;
      if (t !== ignore && this.clash(s, t)) return false;
    }
    return this.fitsDays(h, s, ignore);
  }

  private fitsDays(h: number, s: number, ignore: number): boolean {
    const sched = this.sched[h]!;
    if (sched.length === 0) return true;
    const { sDays, hMaxDayMs, sStart, sEnd } = this.c;
    const max = hMaxDayMs[h]!;
    // Most helpers work far below their daily maximum even summed over all days.
    const ignored = ignore >= 0 && sched.includes(ignore) ? sEnd[ignore]! - sStart[ignore]! : 0;
    if (this.workMs[h]! - ignored + sEnd[s]! - sStart[s]! <= max) return true;
    for (const [day, ms] of sDays[s]!) {
      let sum = ms;
      for (const t of sched) {
        if (t === ignore) continue;
        for (const [d, m] of sDays[t]!) if (d === day) sum += m;
      }
      if (sum > max) return false;
    }
    return true;
  }

  /**
   * The one movable shift in `h`'s schedule whose removal lets `h` take `s`, or −1 when none or
   * more than one stands in the way (longer ejection chains are not worth their search cost).
   */
  soleBlocker(h: number, s: number): number {
    let blocker = -1;
    for (const t of this.sched[h]!) {
      if (t === s) return -1;
      if (this.clash(s, t)) {
        if (blocker >= 0 || this.isFixed(h, t)) return -1;
        blocker = t;
      }
    }
    if (blocker >= 0) return this.fitsDays(h, s, blocker) ? blocker : -1;
    // No time clash, so hours per day block: try each movable shift sharing a day.
    for (const t of this.sched[h]!) {
      if (!this.isFixed(h, t) && this.fitsDays(h, s, t)) return t;
    }
    return -1;
  }

  /**
   * Whether one more helper on `s` keeps its site within capacity at every moment. Occupancy only
   * rises at a shift start, so the site's start points inside `s` are the moments to check; their
   * counts are kept up to date by add/remove, which makes this O(start points inside s) instead of
   * O(overlapping shifts²) — the difference between 0.3 s and 25 s at a full site.
   */
  siteRoom(s: number): boolean {
    const c = this.c;
    const cap = c.siteCap[c.sSite[s]!]!;
    for (let i = c.sPtLo[s]!, hi = c.sPtHi[s]!; i < hi; i++) if (this.occupancy[i]! + 1 > cap) return false;
    return true;
  }

  /** Helpers at `s`'s site at the busiest moment during `s`. */
  sitePeak(s: number): number {
    let peak = 0;
    for (let i = this.c.sPtLo[s]!, hi = this.c.sPtHi[s]!; i < hi; i++) peak = Math.max(peak, this.occupancy[i]!);
    return peak;
  }

  shiftsOf(h: number): number {
    return this.sched[h]!.length;
  }
}
