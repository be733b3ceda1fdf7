/**
 * Calendar days for the max-hours-per-day rule are Europe/Berlin days, because the authorities and
 * the volunteers count a working day by the local clock; a night shift from 22:00 to 06:00 counts
 * two hours to one day and six to the next. The EU rule (summer time from the last Sunday of March
 * to the last Sunday of October, switching at 01:00 UTC) is computed here instead of through
 * `Intl`, which is two orders of magnitude slower and this runs for every shift of every plan.
 */

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Epoch ms of the last Sunday of `month` (0-based) of `year` at 01:00 UTC. */
function lastSundayAt1Utc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  const back = lastDay.getUTCDay();
  return Date.UTC(year, month, lastDay.getUTCDate() - back, 1);
}

const dstCache = new Map<number, [number, number]>();

function dstBounds(year: number): [number, number] {
  let bounds = dstCache.get(year);
  if (!bounds) {
    bounds = [lastSundayAt1Utc(year, 2), lastSundayAt1Utc(year, 9)];
    dstCache.set(year, bounds);
  }
  return bounds;
}

/** Offset of Europe/Berlin from UTC at instant `t`, in ms. */
export function berlinOffsetMs(t: number): number {
  const [from, to] = dstBounds(new Date(t).getUTCFullYear());
  return t >= from && t < to ? 2 * HOUR_MS : HOUR_MS;
}

/** Number of the Europe/Berlin calendar day containing `t` (days since 1970-01-01 local). */
export function berlinDay(t: number): number {
  return Math.floor((t + berlinOffsetMs(t)) / DAY_MS);
}

/** Epoch ms of local midnight starting Berlin day `day`. */
export function berlinMidnight(day: number): number {
  // Summer time switches at 01:00 UTC, never at local midnight, so the offset an hour before the
  // UTC midnight of the same date is the offset at local midnight.
  const guess = day * DAY_MS - HOUR_MS;
  return day * DAY_MS - berlinOffsetMs(guess);
}

/** A shift's working time split by Berlin day: [day, ms] pairs in day order. */
export function splitByBerlinDay(start: number, end: number): [number, number][] {
  const pieces: [number, number][] = [];
  let t = start;
  while (t < end) {
    const day = berlinDay(t);
    const next = Math.min(end, berlinMidnight(day + 1));
    pieces.push([day, next - t]);
    t = next;
  }
  return pieces;
}
