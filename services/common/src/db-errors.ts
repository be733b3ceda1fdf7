/** How PostgreSQL and node-postgres say "the database is not reachable right now" (not a bug). */

/** SQLSTATEs (and socket codes pg passes through) of a database that is gone, restarting or refusing. */
export const unavailableCodes: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET']);

/** node-postgres reports a connection lost mid-query by message only. */
export const lostConnectionMessage = /Connection terminated|not queryable|connection error|terminating connection|ECONNREFUSED|ECONNRESET|EPIPE/;
