/**
 * The longest delay Node's setTimeout can hold: 2^31-1 ms (24.8 days). A longer one overflows and
 * fires after 1 ms (Node prints a TimeoutOverflowWarning), which turned a window end a month ahead
 * into a reconcile loop. Wake-ups further ahead are capped to this; the queue re-arms on expiry.
 */
export const MAX_WAKE_MS = 2 ** 31 - 1;

/** The earliest of the dates, capped at `now + MAX_WAKE_MS`; undefined if there is none. */
export function earliestWake(dates: Array<Date | undefined>, now: Date): Date | undefined {
  let min: Date | undefined;
  for (const d of dates) if (d !== undefined && Number.isFinite(d.getTime()) && (min === undefined || d < min)) min = d;
  if (min === undefined) return undefined;
  const cap = now.getTime() + MAX_WAKE_MS;
  return min.getTime() > cap ? new Date(cap) : min;
}
