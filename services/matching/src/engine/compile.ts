/**
 * Turns a `PlanInput` into dense, id-sorted arrays the planner works on. Sorting by id makes every
 * tie-break (index order) independent of the order the caller listed things in, which is what makes
 * plans deterministic; typed arrays and bit masks keep a 50,000-helper model in a few megabytes and
 * make the per-pair checks cheap enough to run millions of times.
 */
import { haversineKm } from './geo.js';
import {
  MatchingInputError,
  type Helper,
  type PlanInput,
  type PlanOptions,
  type Shift,
  type Site,
} from './model.js';
import { HOUR_MS, berlinDaysTouched } from './time.js';

export const DEFAULT_REST_HOURS = 11;
export const DEFAULT_FAIRNESS_KM_PER_SHIFT = 10;

export interface Compiled {
  input: PlanInput;
  helpers: Helper[];
  shifts: Shift[];
  sites: Site[];
  helperIndex: Map<string, number>;
  shiftIndex: Map<string, number>;
  /** Words per requirement bit mask; tokens are the skills and resources some shift requires. */
  words: number;
  tokenIds: Map<string, number>;
  helperMask: Uint32Array;
  shiftMask: Uint32Array;
  shiftTokens: number[][];
  /** Helper indices holding each token, ascending. */
  tokenHelpers: number[][];
  hLat: Float64Array;
  hLon: Float64Array;
  hTravel: Float64Array;
  hMaxDayMs: Float64Array;
  /**
   * Merged availability windows of all helpers in one array, helper h's as [start, end, …] from
   * hWinOff[h] to hWinOff[h + 1]: one allocation instead of 50,000 small typed arrays.
   */
  hWin: Float64Array;
  hWinOff: Int32Array;
  sStart: Float64Array;
  sEnd: Float64Array;
  sLat: Float64Array;
  sLon: Float64Array;
  sHead: Int32Array;
  sPrio: Int32Array;
  sSite: Int32Array;
  /** The Berlin days a shift touches, each with the shift's whole length: [day, ms] pairs (time.ts). */
  sDays: [number, number][][];
  /** Shifts at the same site whose time overlaps, the shift itself included. */
  sSiteOverlap: number[][];
  /**
   * Distinct shift start times of every capacity-limited site, numbered together: shift s covers
   * the site's start points sPtLo[s] ≤ i < sPtHi[s] (those inside [start, end)). Unlimited sites
   * have none, so their shifts cover an empty range.
   */
  sitePointCount: number;
  sPtLo: Int32Array;
  sPtHi: Int32Array;
  /** Priority mode `strict` (tier-lexicographic) rather than `weighted`. */
  strict: boolean;
  /** The caller's stop signal (`PlanOptions.shouldStop`), never by default. */
  shouldStop: () => boolean;
  /** Shifts that may get new proposals (they start at or after `now`). */
  sOpen: Uint8Array;
  siteIds: string[];
  siteCap: Float64Array;
  restMs: number;
  fairnessKm: number;
  /** Excluded pairs as helperIndex × shiftCount + shiftIndex. */
  excluded: Set<number>;
}

function token(kind: 's' | 'r', name: string): string {
  return `${kind}:${name}`;
}

function checkFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new MatchingInputError(`${what} must be a finite number`);
}

function byId<T extends { id: string }>(items: readonly T[], kind: string): T[] {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) {
      throw new MatchingInputError(`duplicate ${kind} id ${sorted[i]!.id}`);
    }
  }
  return sorted;
}

function validateHelper(h: Helper): void {
  checkFinite(h.location.lat, `helper ${h.id} latitude`);
  checkFinite(h.location.lon, `helper ${h.id} longitude`);
  if (!(h.maxTravelKm >= 0)) throw new MatchingInputError(`helper ${h.id} maxTravelKm must be ≥ 0`);
  if (!(h.maxHoursPerDay >= 0)) {
    throw new MatchingInputError(`helper ${h.id} maxHoursPerDay must be ≥ 0`);
  }
  for (const w of h.availability) {
    checkFinite(w.start, `helper ${h.id} availability start`);
    checkFinite(w.end, `helper ${h.id} availability end`);
  }
}

function validateShift(s: Shift): void {
  checkFinite(s.location.lat, `shift ${s.id} latitude`);
  checkFinite(s.location.lon, `shift ${s.id} longitude`);
  checkFinite(s.start, `shift ${s.id} start`);
  checkFinite(s.end, `shift ${s.id} end`);
  if (!(s.end > s.start)) throw new MatchingInputError(`shift ${s.id} must end after it starts`);
  if (!Number.isInteger(s.headcount) || s.headcount < 0) {
    throw new MatchingInputError(`shift ${s.id} headcount must be an integer ≥ 0`);
  }
  if (!Number.isInteger(s.priority) || s.priority < 1 || s.priority > 5) {
    throw new MatchingInputError(`shift ${s.id} priority must be 1–5`);
  }
}

/** Appends the sorted, merged windows to `out`: touching windows join, so a shift may span two. */
function appendMerged(out: number[], windows: readonly { start: number; end: number }[]): void {
  if (windows.length === 1) {
    const w = windows[0]!;
    if (w.end > w.start) out.push(w.start, w.end);
    return;
  }
  const from = out.length;
  const sorted = windows.filter((w) => w.end > w.start).sort((a, b) => a.start - b.start || a.end - b.end);
  for (const w of sorted) {
    const last = out.length - 1;
    if (last > from && w.start <= out[last]!) out[last] = Math.max(out[last]!, w.end);
    else out.push(w.start, w.end);
  }
}

/** Sorted, merged windows as [start0, end0, start1, end1, …]. */
export function mergeWindows(windows: readonly { start: number; end: number }[]): Float64Array {
  const out: number[] = [];
  appendMerged(out, windows);
  return Float64Array.from(out);
}

function flatWindowsContain(w: Float64Array, from: number, to: number, start: number, end: number): boolean {
  for (let i = from; i < to; i += 2) {
    if (w[i]! > start) return false;
    if (end <= w[i + 1]!) return true;
  }
  return false;
}

export function windowsContain(windows: Float64Array, start: number, end: number): boolean {
  return flatWindowsContain(windows, 0, windows.length, start, end);
}

export function compile(input: PlanInput, options: PlanOptions = {}): Compiled {
  const helpers = byId(input.helpers, 'helper');
  const shifts = byId(input.shifts, 'shift');
  const sites: Site[] = byId(input.sites, 'site');
  helpers.forEach(validateHelper);
  shifts.forEach(validateShift);
  const restHours = options.restHours ?? DEFAULT_REST_HOURS;
  if (!(restHours >= 0)) throw new MatchingInputError('restHours must be ≥ 0');
  const fairnessKm = options.fairnessKmPerShift ?? DEFAULT_FAIRNESS_KM_PER_SHIFT;
  if (!(fairnessKm >= 0)) throw new MatchingInputError('fairnessKmPerShift must be ≥ 0');

  const helperIndex = new Map(helpers.map((h, i) => [h.id, i]));
  const shiftIndex = new Map(shifts.map((s, i) => [s.id, i]));

  // Only tokens some shift requires matter; a helper's other skills never decide anything.
  const tokenIds = new Map<string, number>();
  const shiftTokens = shifts.map((s) => {
    const ids = new Set<number>();
    for (const [kind, names] of [['s', s.requiredSkills], ['r', s.requiredResources]] as const) {
      for (const name of names) {
        const key = token(kind, name);
        let id = tokenIds.get(key);
        if (id === undefined) {
          id = tokenIds.size;
          tokenIds.set(key, id);
        }
        ids.add(id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  });
  const words = Math.max(1, Math.ceil(tokenIds.size / 32));
  const shiftMask = new Uint32Array(shifts.length * words);
  shiftTokens.forEach((ids, s) => {
    for (const id of ids) shiftMask[s * words + (id >>> 5)]! |= 1 << (id & 31);
  });
  const helperMask = new Uint32Array(helpers.length * words);
  const tokenHelpers: number[][] = Array.from({ length: tokenIds.size }, () => []);
  // Helpers are visited in index order, so every tokenHelpers list comes out ascending.
  // Per-kind maps: no string building per helper, which at 50,000 helpers was most of the garbage.
  const skillIds = new Map<string, number>();
  const resourceIds = new Map<string, number>();
  for (const [key, id] of tokenIds) (key.startsWith('s:') ? skillIds : resourceIds).set(key.slice(2), id);
  const hold = (i: number, id: number | undefined) => {
    if (id === undefined) return;
    const word = i * words + (id >>> 5);
    const bit = 1 << (id & 31);
    if (helperMask[word]! & bit) return;
    helperMask[word]! |= bit;
    tokenHelpers[id]!.push(i);
  };
  const H = helpers.length;
  const hLat = new Float64Array(H);
  const hLon = new Float64Array(H);
  const hTravel = new Float64Array(H);
  const hMaxDayMs = new Float64Array(H);
  const hWinOff = new Int32Array(H + 1);
  const win: number[] = [];
  for (let i = 0; i < H; i++) {
    const h = helpers[i]!;
    for (const name of h.skills) hold(i, skillIds.get(name));
    for (const name of h.resources) hold(i, resourceIds.get(name));
    hLat[i] = h.location.lat;
    hLon[i] = h.location.lon;
    hTravel[i] = h.maxTravelKm;
    hMaxDayMs[i] = h.maxHoursPerDay * HOUR_MS;
    hWinOff[i] = win.length;
    appendMerged(win, h.availability);
  }
  hWinOff[H] = win.length;
  const hWin = Float64Array.from(win);

  const siteIdList = [...new Set([...sites.map((s) => s.id), ...shifts.map((s) => s.siteId)])].sort();
  const siteNumber = new Map(siteIdList.map((id, i) => [id, i]));
  const siteCap = new Float64Array(siteIdList.length).fill(Infinity);
  for (const site of sites) {
    if (!(site.capacity >= 0)) throw new MatchingInputError(`site ${site.id} capacity must be ≥ 0`);
    siteCap[siteNumber.get(site.id)!] = site.capacity;
  }

  const S = shifts.length;
  const sStart = Float64Array.from(shifts, (s) => s.start);
  const sEnd = Float64Array.from(shifts, (s) => s.end);
  const sSite = Int32Array.from(shifts, (s) => siteNumber.get(s.siteId)!);
  const siteShifts: number[][] = siteIdList.map(() => []);
  for (let s = 0; s < S; s++) siteShifts[sSite[s]!]!.push(s);
  const sSiteOverlap: number[][] = shifts.map((_, s) =>
    siteShifts[sSite[s]!]!.filter((t) => sStart[t]! < sEnd[s]! && sStart[s]! < sEnd[t]!),
  );
  const now = options.now ?? -Infinity;
  const sPtLo = new Int32Array(S);
  const sPtHi = new Int32Array(S);
  let sitePointCount = 0;
  siteShifts.forEach((list, site) => {
    if (siteCap[site] === Infinity) return;
    const points = [...new Set(list.map((s) => sStart[s]!))].sort((a, b) => a - b);
    const first = (t: number) => {
      let lo = 0;
      let hi = points.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (points[mid]! < t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const s of list) {
      sPtLo[s] = sitePointCount + first(sStart[s]!);
      sPtHi[s] = sitePointCount + first(sEnd[s]!);
    }
    sitePointCount += points.length;
  });
  const mode = options.priority ?? 'strict';
  if (mode !== 'strict' && mode !== 'weighted') throw new MatchingInputError(`priority must be strict or weighted`);

  const excluded = new Set<number>();
  for (const e of input.exclusions ?? []) {
    const h = helperIndex.get(e.helperId);
    const s = shiftIndex.get(e.shiftId);
    if (h !== undefined && s !== undefined) excluded.add(h * S + s);
  }

  return {
    input,
    helpers,
    shifts,
    sites,
    helperIndex,
    shiftIndex,
    words,
    tokenIds,
    helperMask,
    shiftMask,
    shiftTokens,
    tokenHelpers,
    hLat,
    hLon,
    hTravel,
    hMaxDayMs,
    hWin,
    hWinOff,
    sStart,
    sEnd,
    sLat: Float64Array.from(shifts, (s) => s.location.lat),
    sLon: Float64Array.from(shifts, (s) => s.location.lon),
    sHead: Int32Array.from(shifts, (s) => s.headcount),
    sPrio: Int32Array.from(shifts, (s) => s.priority),
    sSite,
    sDays: shifts.map((s) => berlinDaysTouched(s.start, s.end)),
    sSiteOverlap,
    sitePointCount,
    sPtLo,
    sPtHi,
    strict: mode === 'strict',
    shouldStop: options.shouldStop ?? (() => false),
    sOpen: Uint8Array.from(shifts, (s) => (s.start >= now ? 1 : 0)),
    siteIds: siteIdList,
    siteCap,
    restMs: restHours * HOUR_MS,
    fairnessKm,
    excluded,
  };
}

export function pairDistanceKm(c: Compiled, h: number, s: number): number {
  return haversineKm(c.hLat[h]!, c.hLon[h]!, c.sLat[s]!, c.sLon[s]!);
}

/**
 * The rules that depend on the helper and the shift alone (skills, resources, distance,
 * availability, a single shift's hours per day, exclusion); the schedule rules live in `State`.
 * Returns the distance when feasible, −1 when not.
 */
export function staticPairDistance(c: Compiled, h: number, s: number): number {
  const W = c.words;
  for (let w = 0; w < W; w++) {
    const need = c.shiftMask[s * W + w]!;
    if ((c.helperMask[h * W + w]! & need) !== need) return -1;
  }
  // Cheapest and most selective first: the trigonometry of the distance comes last.
  if (!flatWindowsContain(c.hWin, c.hWinOff[h]!, c.hWinOff[h + 1]!, c.sStart[s]!, c.sEnd[s]!)) return -1;
  const maxDay = c.hMaxDayMs[h]!;
  for (const [, ms] of c.sDays[s]!) if (ms > maxDay) return -1;
  if (c.excluded.size > 0 && c.excluded.has(h * c.shifts.length + s)) return -1;
  const d = pairDistanceKm(c, h, s);
  return d > c.hTravel[h]! ? -1 : d;
}
