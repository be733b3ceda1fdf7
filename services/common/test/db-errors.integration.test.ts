import test from 'ava';
import { databaseUrl } from '@kathelfer/hack/test-env';
import { createSequelize } from '../src/db.js';
import { toDomainError } from '../src/error-handler.js';

const sequelize = createSequelize({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 2, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 10_000, DB_POOL_IDLE_MS: 1_000 });
test.after.always(() => sequelize.close());

// What PostgreSQL itself says when a value it cannot hold reaches it: the error middleware's one
// mapping answers each as a 400 problem document, whichever schema let the value through.
const dataExceptions: Array<[what: string, sql: string, bind: unknown[]]> = [
  ['an offset of +16:00 (22009)', 'SELECT $1::timestamptz', ['2026-12-01T00:00:00+16:00']],
  ['year 0 (22008)', 'SELECT $1::timestamptz', ['0000-01-01T00:00:00Z']],
  ['a malformed uuid (22P02)', 'SELECT $1::uuid', ['000000000000000000000000000000000000']],
  ['an integer out of range (22003)', 'SELECT $1::int', ['99999999999']],
  ['U+0000 in text (22P05 or 22021)', "SELECT convert_from('\\x00'::bytea, 'UTF8')", []],
];

for (const [what, sql, bind] of dataExceptions) {
  test(`a real PostgreSQL data exception — ${what} — maps to a 400 problem document`, async (t) => {
    const error = await t.throwsAsync(sequelize.query(sql, { bind }));
    t.like(toDomainError(error)?.toProblem('/x'), { status: 400, title: 'Bad request', instance: '/x' });
  });
}
