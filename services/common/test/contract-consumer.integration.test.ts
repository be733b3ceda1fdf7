import { randomUUID } from 'node:crypto';
import test from 'ava';
import { pino } from 'pino';
import { z } from 'zod';
import { databaseUrl, eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { consumeContract, consumeVersioned, createProcessedEventsTable, type VersionedHandler } from '../src/contract-consumer.js';
import { createSequelize } from '../src/db.js';
import { createMetrics } from '../src/metrics.js';
import { OutboxRelay } from '../src/outbox.js';
import { addOutboxVersionColumn, createOutboxTable, defineOutboxModel } from '../src/outbox.model.js';
import { ContractViolation, publish } from '../src/publish.js';
import { createRedis } from '../src/redis.js';
import { busEventsCounted } from './support/bus-metrics.js';

const logger = pino({ level: 'silent' });
const schema = uniqueName('contract').replace(/-/g, '_');
const config = { DATABASE_URL: databaseUrl(), DB_POOL_MAX: 5, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 5_000, DB_POOL_IDLE_MS: 1_000 };
const sequelize = createSequelize(config);
const redis = createRedis(redisUrl(), logger);
const Outbox = defineOutboxModel(sequelize, schema);

test.before(async () => {
  await sequelize.query(`CREATE SCHEMA "${schema}"`);
  await createOutboxTable(sequelize, schema);
  await addOutboxVersionColumn(sequelize, schema);
  await createProcessedEventsTable(sequelize, schema);
  await sequelize.query(`CREATE TABLE "${schema}".erased (helper_id uuid, event_id text, by_replica text)`);
  await redis.ping();
});
test.after.always(async () => {
  await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sequelize.close();
  await redis.quit();
});

const erasedRows = async () =>
  (await sequelize.query(`SELECT helper_id, event_id, by_replica FROM "${schema}".erased ORDER BY helper_id`, { type: 'SELECT' })) as Array<{
    helper_id: string;
    event_id: string;
    by_replica: string;
  }>;

// Serial: they share the outbox table (a relay publishes all of it) and the effect table.
test.serial('an event is applied once with its id recorded in the transaction of its effect; a redelivery changes nothing', async (t) => {
  await sequelize.query(`TRUNCATE "${schema}".erased`);
  const streamPrefix = `${uniqueName('once')}:events:`;
  const metrics = createMetrics('test');
  const relay = new OutboxRelay({ sequelize, schema, redis, streamPrefix, pollMs: 50, logger });
  const helperId = randomUUID();
  const id = await sequelize.transaction((transaction) => publish(Outbox, transaction, 'registration', 'helper.erased', { helperId }));
  await relay.relayOnce();
  // the relay crashed after publishing and before marking sent: the same event goes out again
  const [entry] = (await redis.xRange(`${streamPrefix}registration`, '-', '+')) ?? [];
  await redis.xAdd(`${streamPrefix}registration`, '*', { ...entry!.message });
  const consumer = await consumeContract({
    redis, sequelize, schema, streamPrefix, group: 'g', consumer: 'c1', logger, metrics, blockMs: 100, stream: 'registration',
    handlers: {
      'helper.erased': async (payload, { transaction, event }) => {
        await sequelize.query(`INSERT INTO "${schema}".erased VALUES ($1, $2, 'c1')`, { bind: [payload.helperId, event.id], transaction });
      },
    },
  });
  try {
    await eventually('both deliveries handled', async () => ((await busEventsCounted(metrics, 'applied')) + (await busEventsCounted(metrics, 'duplicate')) === 2 ? true : undefined), { timeoutMs: 10_000 });
    t.deepEqual(await erasedRows(), [{ helper_id: helperId, event_id: id, by_replica: 'c1' }]);
    t.is(await busEventsCounted(metrics, 'duplicate'), 1);
    const [recorded] = (await sequelize.query(`SELECT type FROM "${schema}".processed_events WHERE event_id = $1`, { bind: [id], type: 'SELECT' })) as Array<{ type: string }>;
    t.is(recorded?.type, 'helper.erased');
  } finally {
    await consumer.stop();
  }
});

test.serial('a handler that fails rolls its event id back with its effect, so the redelivery applies it', async (t) => {
  await sequelize.query(`TRUNCATE "${schema}".erased`);
  const streamPrefix = `${uniqueName('retry')}:events:`;
  const metrics = createMetrics('test');
  const relay = new OutboxRelay({ sequelize, schema, redis, streamPrefix, pollMs: 50, logger });
  const helperId = randomUUID();
  await sequelize.transaction((transaction) => publish(Outbox, transaction, 'registration', 'helper.erased', { helperId }));
  await relay.relayOnce();
  let attempts = 0;
  const consumer = await consumeContract({
    redis, sequelize, schema, streamPrefix, group: 'g', consumer: 'c1', logger, metrics, blockMs: 100, reclaimIdleMs: 200, stream: 'registration',
    handlers: {
      'helper.erased': async (payload, { transaction }) => {
        await sequelize.query(`INSERT INTO "${schema}".erased VALUES ($1, 'x', 'c1')`, { bind: [payload.helperId], transaction });
        attempts += 1;
        if (attempts === 1) throw new Error('the database went away mid-event');
      },
    },
  });
  try {
    await eventually('applied on the second attempt', async () => ((await busEventsCounted(metrics, 'applied')) === 1 ? true : undefined), { timeoutMs: 10_000 });
    t.is(attempts, 2);
    t.is((await erasedRows()).length, 1, 'the failed attempt left nothing behind');
  } finally {
    await consumer.stop();
  }
});

test.serial('an event that breaks its contract is dead-lettered and counted, the stream moves on, types of no interest are counted as ignored', async (t) => {
  await sequelize.query(`TRUNCATE "${schema}".erased`);
  const streamPrefix = `${uniqueName('dead')}:events:`;
  const stream = `${streamPrefix}registration`;
  const metrics = createMetrics('test');
  const helperId = randomUUID();
  const consumer = await consumeContract({
    redis, sequelize, schema, streamPrefix, group: 'tasks', consumer: 'c1', logger, metrics, blockMs: 100, stream: 'registration',
    handlers: {
      'helper.erased': async (payload, { transaction, event }) => {
        await sequelize.query(`INSERT INTO "${schema}".erased VALUES ($1, $2, 'c1')`, { bind: [payload.helperId, event.id], transaction });
      },
    },
  });
  try {
    // a producer that renamed helperId to id, one that is fine, and a type this group does not read
    await redis.xAdd(stream, '*', { id: 'renamed', type: 'helper.erased', version: '1', payload: JSON.stringify({ id: helperId }), occurredAt: '' });
    await redis.xAdd(stream, '*', { id: 'good', type: 'helper.erased', version: '1', payload: JSON.stringify({ helperId }), occurredAt: '' });
    await redis.xAdd(stream, '*', { id: 'other', type: 'helper.registered.later', version: '1', payload: '{}', occurredAt: '' });
    await eventually('all three handled', async () => ((await busEventsCounted(metrics, 'ignored')) === 1 && (await busEventsCounted(metrics, 'applied')) === 1 ? true : undefined), { timeoutMs: 10_000 });
    const dead = (await redis.xRange(`${stream}:dead-letter`, '-', '+')) ?? [];
    t.deepEqual(dead.map((e) => [e.message.id, e.message.group, e.message.version]), [['renamed', 'tasks', '1']]);
    t.regex(dead[0]?.message.reason ?? '', /helperId/);
    t.is(await busEventsCounted(metrics, 'dead_lettered'), 1);
    t.deepEqual((await erasedRows()).map((r) => r.event_id), ['good']);
    t.is((await redis.xPending(stream, 'tasks')).pending, 0, 'nothing is left to be retried forever');
  } finally {
    await consumer.stop();
  }
});

test('publish refuses a payload that breaks its contract, and writes nothing', async (t) => {
  const before = await Outbox.count();
  const error = await t.throwsAsync(
    sequelize.transaction((transaction) =>
      // a producer that renamed a field: the compiler catches it in our code, publish at run time
      publish(Outbox, transaction, 'registration', 'helper.erased', { id: randomUUID() } as unknown as { helperId: string }),
    ),
    { instanceOf: ContractViolation },
  );
  t.regex(error?.message ?? '', /helperId/);
  t.is(await Outbox.count(), before);
});

/**
 * A rolling update of a consumer group: old replicas read v1 of an event, new ones v1 and v2; the
 * producer writes v2 once every consumer reads it (services/README.md "Events"). Here the stream
 * carries both at once, as it does while producers roll too.
 */
test.serial('during a rolling update old replicas apply v1, new ones v1 and v2, and every event is applied exactly once', async (t) => {
  await sequelize.query(`TRUNCATE "${schema}".erased`);
  const streamPrefix = `${uniqueName('rolling')}:events:`;
  const stream = `${streamPrefix}registration`;
  const metrics = createMetrics('test');
  const v1 = z.object({ helperId: z.uuid() });
  // v2 renames a field: not additive, so a new version
  const v2 = z.object({ helper: z.object({ id: z.uuid() }), reason: z.string() });
  const erase = (replica: string): VersionedHandler<void>['apply'] => async (payload, { transaction, event }) => {
    const helperId = event.version === 2 ? (payload as z.output<typeof v2>).helper.id : (payload as z.output<typeof v1>).helperId;
    await sequelize.query(`INSERT INTO "${schema}".erased VALUES ($1, $2, $3)`, { bind: [helperId, event.id, replica], transaction });
  };
  const base = { redis, sequelize, schema, streamPrefix, group: 'tasks', logger, metrics, blockMs: 50, reclaimIdleMs: 200, stream: 'registration' };
  const oldReplica = await consumeVersioned({ ...base, consumer: 'old', handlers: { 'helper.erased': { versions: { 1: v1 }, apply: erase('old') } } });
  const newReplica = await consumeVersioned({ ...base, consumer: 'new', handlers: { 'helper.erased': { versions: { 1: v1, 2: v2 }, apply: erase('new') } } });
  try {
    const written: Array<{ helperId: string; version: number }> = [];
    for (let i = 0; i < 20; i++) {
      const helperId = randomUUID();
      const version = i % 2 === 0 ? 1 : 2;
      written.push({ helperId, version });
      const payload = version === 1 ? { helperId } : { helper: { id: helperId }, reason: 'request' };
      await redis.xAdd(stream, '*', { id: `e${i}`, type: 'helper.erased', version: String(version), payload: JSON.stringify(payload), occurredAt: '' });
    }
    await eventually('all 20 applied', async () => ((await erasedRows()).length >= 20 ? true : undefined), { timeoutMs: 30_000 });
    const rows = await erasedRows();
    t.deepEqual(rows.map((r) => r.helper_id).sort(), written.map((w) => w.helperId).sort(), 'each event once');
    const byHelper = new Map(rows.map((r) => [r.helper_id, r.by_replica]));
    for (const w of written.filter((x) => x.version === 2)) t.is(byHelper.get(w.helperId), 'new', 'v2 only at a replica that reads it');
    t.is(await busEventsCounted(metrics, 'dead_lettered'), 0, 'a newer version is never dead-lettered');
    t.is((await redis.xPending(stream, 'tasks')).pending, 0);
  } finally {
    await Promise.all([oldReplica.stop(), newReplica.stop()]);
  }
});
