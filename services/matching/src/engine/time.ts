/**
 * Calendar days for the max-hours-per-day rule are Europe/Berlin days, because the authorities and
 * the volunteers count a working day by the local clock. The rule: a shift counts with its whole
 * length to every Berlin day it touches, and per day the shifts touching it add up to at most the
 * helper's maximum. So a 22:00–04:00 shift is 6 h on both days: a volunteer who wrote "at most
 * 4 hours a day" never gets it (splitting it into 2 h + 4 h was how the old per-piece count let
 * it through), and no single shift is longer than the maximum. Chosen over a rolling 24-hour window
 * because that would also forbid 14:00–22:00 followed by 09:00–17:00 the next day for an 8-hour
 * volunteer, which is two days of eight hours each as volunteers count them. Lengths are elapsed
 * time: a 22:00–04:00 shift in the October night is 7 h, in the March night 5 h. The EU rule (summer time from the last Sunday of March
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

/**
 * The Berlin days a half-open interval [start, end) touches, each with the interval's whole length
 * in ms: [day, end − start] pairs in day order (the hours-per-day rule above).
 */
export function berlinDaysTouched(start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  const last = berlinDay(end - 1);
  for (let d = berlinDay(start); d <= last; d++) out.push([d, end - start]);
  return out;
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
