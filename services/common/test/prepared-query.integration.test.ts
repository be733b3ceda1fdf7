import test from 'ava';
import { ConnectionError, DatabaseError, UniqueConstraintError } from 'sequelize';
import { databaseUrl, uniqueName } from '@kathelfer/hack/test-env';
import { createSequelize } from '../src/db.js';
import { preparedQuery } from '../src/prepared-query.js';

const schema = uniqueName('prepared').replace(/-/g, '_');
// One connection, so every call below meets the statements the earlier calls prepared.
const sequelize = createSequelize({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 1, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 5_000, DB_POOL_IDLE_MS: 1_000 });

test.before(async () => {
  await sequelize.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".t (id int PRIMARY KEY, note text)`);
});
test.after.always(async () => {
  await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sequelize.close();
});

test.serial('a statement is prepared once per connection and then reused', async (t) => {
  const insert = `INSERT INTO "${schema}".t (id, note) VALUES ($1, $2)`;
  await preparedQuery(sequelize, insert, [1, 'a']);
  await preparedQuery(sequelize, insert, [2, 'b']);
  const [prepared] = (await sequelize.query(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO "${schema}"%'`)) as [Array<{ statement: string }>, unknown];
  t.deepEqual(
    prepared.map((p) => p.statement),
    [insert],
  );
  t.deepEqual(await preparedQuery(sequelize, `SELECT id, note FROM "${schema}".t ORDER BY id`, []), [
    { id: 1, note: 'a' },
    { id: 2, note: 'b' },
  ]);
});

test.serial('a changed text is a new statement, not a clash with the old name', async (t) => {
  await preparedQuery(sequelize, `INSERT INTO "${schema}".t (id) VALUES ($1)`, [3]);
  const rows = await preparedQuery<{ n: number }>(sequelize, `SELECT count(*)::int AS n FROM "${schema}".t`, []);
  t.is(rows[0]?.n, 3);
});

test.serial('errors come back as the Sequelize errors callers and the error middleware know', async (t) => {
  await t.throwsAsync(preparedQuery(sequelize, `INSERT INTO "${schema}".t (id) VALUES ($1)`, [1]), { instanceOf: UniqueConstraintError });
  await t.throwsAsync(preparedQuery(sequelize, `SELECT nope FROM "${schema}".t`, []), { instanceOf: DatabaseError });
  // The connection stays usable after a failed statement.
  t.is((await preparedQuery<{ n: number }>(sequelize, 'SELECT 1 AS n', []))[0]?.n, 1);
});

test.serial('after an error of the statement itself (class 42) the connection is replaced, so stale prepared statements go with it', async (t) => {
  const pid = async () => (await preparedQuery<{ pid: number }>(sequelize, 'SELECT pg_backend_pid() AS pid', []))[0]?.pid;
  const before = await pid();
  await t.throwsAsync(preparedQuery(sequelize, `SELECT nope FROM "${schema}".t`, []), { instanceOf: DatabaseError });
  t.not(await pid(), before);
  // A unique violation is the data's fault, not the statement's: the connection stays.
  const kept = await pid();
  await t.throwsAsync(preparedQuery(sequelize, `INSERT INTO "${schema}".t (id) VALUES ($1)`, [1]), { instanceOf: UniqueConstraintError });
  t.is(await pid(), kept);
});

test.serial('a connection that dies under a statement is a connection error, and the pool replaces it', async (t) => {
  await t.throwsAsync(preparedQuery(sequelize, 'SELECT pg_terminate_backend(pg_backend_pid())', []), { instanceOf: ConnectionError });
  t.is((await preparedQuery<{ n: number }>(sequelize, 'SELECT 2 AS n', []))[0]?.n, 2);
});
