import test from 'ava';
import pg from 'pg';
import { createClient } from 'redis';
import { databaseUrl, redisUrl, uniqueName } from '../src/test-env.js';

test('PostgreSQL answers real queries: a table written in a transaction is read back after commit', async (t) => {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  const schema = uniqueName('ds').replace(/-/g, '_');
  try {
    const { rows: version } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    t.true(Number(version[0]?.server_version_num) >= 130000, 'a PostgreSQL server, version 13 or later');

    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.helpers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), skills text[] NOT NULL)`);
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${schema}.helpers (skills) VALUES ($1), ($2)`, [['sandbags'], ['first-aid', 'driving']]);
    await client.query('COMMIT');
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.helpers WHERE 'driving' = ANY(skills)`,
    );
    t.is(rows[0]?.n, 1);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
});

test('Redis answers real commands: a stream entry is read through a consumer group and acknowledged', async (t) => {
  const redis = createClient({ url: redisUrl() });
  await redis.connect();
  const stream = uniqueName('ds-stream');
  try {
    const info = await redis.info('server');
    t.regex(info, /redis_version:[67]\./);

    await redis.xGroupCreate(stream, 'matching', '0', { MKSTREAM: true });
    const id = await redis.xAdd(stream, '*', { type: 'helper.registered', id: 'evt-1' });
    const read = await redis.xReadGroup('matching', 'consumer-1', { key: stream, id: '>' }, { COUNT: 10 });
    t.truthy(read);
    const messages = (read as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }>)[0]?.messages ?? [];
    t.deepEqual(messages.map((m) => m.message.type), ['helper.registered']);
    t.is(await redis.xAck(stream, 'matching', id), 1);
    const pending = await redis.xPending(stream, 'matching');
    t.is(pending.pending, 0);
  } finally {
    await redis.del(stream);
    await redis.quit();
  }
});
