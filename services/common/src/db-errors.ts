/** How PostgreSQL and node-postgres say "the database is not reachable right now" (not a bug). */

/** SQLSTATEs (and socket codes pg passes through) of a database that is gone, restarting or refusing. */
export const unavailableCodes: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET']);

/** node-postgres reports a connection lost mid-query by message only. */
export const lostConnectionMessage = /Connection terminated|not queryable|connection error|terminating connection|ECONNREFUSED|ECONNRESET|EPIPE/;

/**
 * SQLSTATE class 22, "data exception" (PostgreSQL Appendix A): a value the database cannot hold or
 * compare — a time zone offset of +16:00 (22009), year 0 (22008), a malformed uuid (22P02), U+0000
 * (22021). That is the client's input, not a bug: the request gets a 4xx. Schemas should refuse
 * such values first; one that reaches the database shows a gap in them.
 */
export function isDataException(sqlState: string | undefined): boolean {
  return sqlState !== undefined && sqlState.startsWith('22');
}
