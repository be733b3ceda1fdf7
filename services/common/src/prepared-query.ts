import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ConnectionError, DatabaseError, UniqueConstraintError, type Sequelize } from 'sequelize';
import { lostConnectionMessage, unavailableCodes } from './db-errors.js';

/** A pg error the way Sequelize would have thrown it, so callers and the error middleware see one kind. */
function sequelizeErrorOf(error: unknown, connection: pg.Client & { _invalid?: boolean }): Error {
  const pgError = error as Error & { code?: string; constraint?: string; detail?: string; sql?: string };
  if (pgError.code === '23505') {
    return new UniqueConstraintError({ parent: pgError, message: pgError.detail ?? pgError.message, fields: {} } as never);
  }
  if (pgError.code === undefined || pgError.code.startsWith('08') || unavailableCodes.has(pgError.code) || lostConnectionMessage.test(pgError.message ?? '')) {
    // Sequelize's pool validates connections by this flag: a broken one is destroyed, not reused.
    connection._invalid = true;
    return new ConnectionError(pgError);
  }
  // Class 42 (e.g. a column's type changed by a migration of a newer release) and 0A ("cached plan
  // must not change result type"): the statements prepared on this connection may be what is
  // stale, so a fresh connection prepares them against the current schema.
  if (pgError.code.startsWith('42') || pgError.code.startsWith('0A')) connection._invalid = true;
  return new DatabaseError(pgError as never);
}

const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `k_${createHash('sha1').update(text).digest('base64url')}`;
    // Bounded: a caller that builds data-dependent texts must not grow this without limit.
    if (names.size < 256) names.set(text, name);
  }
  return name;
}

/**
 * Runs `text` as a named prepared statement on a pooled connection of `sequelize`: PostgreSQL
 * parses and plans it once per connection instead of on every call, which Sequelize's `query`
 * (always the unnamed statement) cannot do. Meant for the few statements on a hot path whose text
 * never varies with the data; the name is derived from the text, so a changed statement (a new
 * column after a migration) is prepared afresh instead of clashing with the old one. Errors come
 * back as Sequelize's error classes.
 */
export async function preparedQuery<Row = Record<string, unknown>>(sequelize: Sequelize, text: string, values: unknown[]): Promise<Row[]> {
  const name = statementName(text);
  const connection = (await sequelize.connectionManager.getConnection({ type: 'write' })) as unknown as pg.Client & { _invalid?: boolean };
  try {
    const result = await connection.query<Row & pg.QueryResultRow>({ name, text, values });
    return result.rows;
  } catch (error) {
    throw sequelizeErrorOf(error, connection);
  } finally {
    sequelize.connectionManager.releaseConnection(connection);
  }
}
