import { randomUUID } from 'node:crypto';
import test from 'ava';
import { pino } from 'pino';
import { databaseUrl, eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { consumeEvents } from '../src/bus.js';
import { consumeContractBatches, createProcessedEventsTable, type BatchContext, type ContractBatchItem } from '../src/contract-consumer.js';
import { createSequelize } from '../src/db.js';
import { createMetrics } from '../src/metrics.js';
import { createRedis } from '../src/redis.js';
import { busEventsCounted } from './support/bus-metrics.js';

const logger = pino({ level: 'silent' });
const schema = uniqueName('batches').replace(/-/g, '_');
const config = { DATABASE_URL: databaseUrl(), DB_POOL_MAX: 6, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 5_000, DB_POOL_IDLE_MS: 1_000 };
const sequelize = createSequelize(config);
const redis = createRedis(redisUrl(), logger);
const effects = `"${schema}".effects`;

test.before(async () => {
  await sequelize.query(`CREATE SCHEMA "${schema}"`);
  await createProcessedEventsTable(sequelize, schema);
  // no unique key: an event applied twice would show as two rows
  await sequelize.query(`CREATE TABLE ${effects} (run text, helper_id uuid, event_id text, by_replica text, batch int)`);
  await redis.ping();
});
test.after.always(async () => {
  await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sequelize.close();
  await redis.quit();
});

const effectRows = async (run: string) =>
  (await sequelize.query(`SELECT helper_id, event_id, by_replica, batch FROM ${effects} WHERE run = $1 ORDER BY event_id`, { bind: [run], type: 'SELECT' })) as Array<{
    helper_id: string;
    event_id: string;
    by_replica: string;
    batch: number;
  }>;
const erasedEntry = (id: string, helperId: string) => ({ id, type: 'helper.erased', version: '1', payload: JSON.stringify({ helperId }), occurredAt: '' });

/** A batch handler that writes one effect row per event, in one statement, and records the batch it came in. */
const recorder = (run: string, replica: string, batches: number[]) => async (items: Array<ContractBatchItem<'registration'>>, { transaction }: BatchContext) => {
  batches.push(items.length);
  const rows = items.map((i) => {
    if (i.type !== 'helper.erased') throw new Error(`unexpected ${i.type}`);
    return { helper_id: i.payload.helperId, event_id: i.event.id };
  });
  await sequelize.query(
    `INSERT INTO ${effects} (run, helper_id, event_id, by_replica, batch)
     SELECT $1, r.helper_id, r.event_id, $2, $3 FROM jsonb_to_recordset($4::jsonb) AS r(helper_id uuid, event_id text)`,
    { bind: [run, replica, batches.length, JSON.stringify(rows)], transaction },
  );
  return items.length;
};

test.serial('two replicas apply 300 events in batches, each exactly once, and a redelivery of all of them changes nothing', async (t) => {
  const run = uniqueName('once');
  const streamPrefix = `${run}:events:`;
  const stream = `${streamPrefix}registration`;
  const metrics = createMetrics('test');
  const written: Array<{ id: string; helperId: string }> = [];
  for (let i = 0; i < 300; i++) written.push({ id: `e${String(i).padStart(3, '0')}`, helperId: randomUUID() });
  // Written before the replicas start, so that they read full batches.
  for (const w of written) await redis.xAdd(stream, '*', erasedEntry(w.id, w.helperId));
  // a relay that crashed after publishing republishes: the same ids again, inside the same reads
  for (const w of written.slice(0, 20)) await redis.xAdd(stream, '*', erasedEntry(w.id, w.helperId));
  const batches: Record<string, number[]> = { a: [], b: [] };
  const committed: string[] = [];
  const base = {
    redis, sequelize, schema, streamPrefix, group: 'tasks', logger, metrics, blockMs: 50, stream: 'registration' as const, types: ['helper.erased'] as const,
    afterCommit: (_: number, events: readonly { id: string }[]) => void committed.push(...events.map((e) => e.id)),
  };
  const replicas = await Promise.all(['a', 'b'].map((r) => consumeContractBatches({ ...base, consumer: r, applyBatch: recorder(run, r, batches[r]!) })));
  try {
    await eventually('all 320 deliveries handled', async () => ((await busEventsCounted(metrics, 'applied')) + (await busEventsCounted(metrics, 'duplicate')) === 320 ? true : undefined), { timeoutMs: 30_000 });
    const rows = await effectRows(run);
    t.deepEqual(rows.map((r) => [r.event_id, r.helper_id]), written.map((w) => [w.id, w.helperId]), 'each event once, with its payload');
    t.is(await busEventsCounted(metrics, 'applied'), 300);
    t.is(await busEventsCounted(metrics, 'duplicate'), 20);
    t.deepEqual(committed.sort(), written.map((w) => w.id), 'afterCommit saw each applied event once');
    const calls = [...batches.a!, ...batches.b!];
    t.true(calls.length <= 10, `300 events came in ${calls.length} transactions (${calls.join(', ')}), not one each`);
    t.true(Math.max(...calls) > 50, 'a read batch is applied as one');
    t.is((await redis.xPending(stream, 'tasks')).pending, 0, 'every entry acknowledged');

    // everything again (the stream was replayed): all duplicates, no effect
    for (const w of written) await redis.xAdd(stream, '*', erasedEntry(w.id, w.helperId));
    await eventually('the replay handled', async () => ((await busEventsCounted(metrics, 'duplicate')) === 320 ? true : undefined), { timeoutMs: 30_000 });
    t.is((await effectRows(run)).length, 300);
    t.is(await busEventsCounted(metrics, 'applied'), 300);
    t.is((await redis.xPending(stream, 'tasks')).pending, 0);
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
  }
});

test.serial('in a batch, a payload that breaks its contract is dead-lettered and counted, a newer version stays pending, the rest is applied', async (t) => {
  const run = uniqueName('dead');
  const streamPrefix = `${run}:events:`;
  const stream = `${streamPrefix}registration`;
  const metrics = createMetrics('test');
  const good = [randomUUID(), randomUUID()];
  await redis.xAdd(stream, '*', erasedEntry('good-0', good[0]!));
  await redis.xAdd(stream, '*', { id: 'renamed', type: 'helper.erased', version: '1', payload: JSON.stringify({ id: randomUUID() }), occurredAt: '' });
  await redis.xAdd(stream, '*', { id: 'not-json', type: 'helper.erased', version: '1', payload: '{oops', occurredAt: '' });
  await redis.xAdd(stream, '*', { id: 'v9', type: 'helper.erased', version: '9', payload: JSON.stringify({ helperId: randomUUID() }), occurredAt: '' });
  await redis.xAdd(stream, '*', { id: 'other', type: 'helper.updated.later', version: '1', payload: '{}', occurredAt: '' });
  await redis.xAdd(stream, '*', erasedEntry('good-1', good[1]!));
  const batches: number[] = [];
  const consumer = await consumeContractBatches({
    redis, sequelize, schema, streamPrefix, group: 'tasks', consumer: 'c1', logger, metrics, blockMs: 50, stream: 'registration', types: ['helper.erased'],
    applyBatch: recorder(run, 'c1', batches),
  });
  try {
    await eventually('the batch handled', async () => ((await busEventsCounted(metrics, 'applied')) === 2 && (await busEventsCounted(metrics, 'dead_lettered')) === 2 ? true : undefined), { timeoutMs: 10_000 });
    t.deepEqual((await effectRows(run)).map((r) => r.event_id), ['good-0', 'good-1']);
    t.deepEqual(batches, [2], 'the two good events in one transaction');
    const dead = (await redis.xRange(`${stream}:dead-letter`, '-', '+')) ?? [];
    t.deepEqual(dead.map((e) => e.message.id).sort(), ['not-json', 'renamed']);
    t.regex(dead.find((e) => e.message.id === 'renamed')?.message.reason ?? '', /helperId/);
    t.is(await busEventsCounted(metrics, 'ignored'), 1);
    t.is(await busEventsCounted(metrics, 'newer_version'), 1);
    const pending = await redis.xPendingRange(stream, 'tasks', '-', '+', 10);
    t.is(pending.length, 1, 'only the newer version waits, for a replica that reads it');
    const [entry] = (await redis.xRange(stream, pending[0]!.id, pending[0]!.id)) ?? [];
    t.is(entry?.message.id, 'v9');
  } finally {
    await consumer.stop();
  }
});

test.serial('a handler error on one event loses and doubles none of the others: the batch falls back to one by one, the bad event is retried alone', async (t) => {
  const run = uniqueName('poison');
  const streamPrefix = `${run}:events:`;
  const stream = `${streamPrefix}registration`;
  const metrics = createMetrics('test');
  const written = Array.from({ length: 40 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, helperId: randomUUID() }));
  for (const w of written) await redis.xAdd(stream, '*', erasedEntry(w.id, w.helperId));
  const poison = written[17]!;
  let poisonAttempts = 0;
  let healed = false;
  const batches: number[] = [];
  const record = recorder(run, 'c1', batches);
  const consumer = await consumeContractBatches({
    redis, sequelize, schema, streamPrefix, group: 'tasks', consumer: 'c1', logger, metrics, blockMs: 50, reclaimIdleMs: 300, stream: 'registration', types: ['helper.erased'],
    applyBatch: async (items, context) => {
      const applied = await record(items, context);
      if (items.some((i) => i.event.id === poison.id)) {
        poisonAttempts += 1;
        // fails after the others' effects were written: they must roll back with it
        if (!healed) throw new Error('the handler broke on this event');
      }
      return applied;
    },
  });
  try {
    await eventually('the 39 others applied', async () => ((await busEventsCounted(metrics, 'applied')) === 39 ? true : undefined), { timeoutMs: 10_000 });
    await eventually('the bad event retried after the idle time', () => Promise.resolve(poisonAttempts >= 3 ? true : undefined), { timeoutMs: 10_000 });
    t.deepEqual((await effectRows(run)).map((r) => r.event_id), written.filter((w) => w !== poison).map((w) => w.id), 'the others, once each');
    const pending = await redis.xPendingRange(stream, 'tasks', '-', '+', 10);
    t.is(pending.length, 1, 'only the bad event is left unacknowledged');
    healed = true;
    await eventually('the bad event applied when its handler recovers', async () => ((await busEventsCounted(metrics, 'applied')) === 40 ? true : undefined), { timeoutMs: 20_000 });
    t.deepEqual((await effectRows(run)).map((r) => r.event_id), written.map((w) => w.id), 'each of the 40 exactly once');
    t.is(await busEventsCounted(metrics, 'duplicate'), 0);
    t.is((await redis.xPending(stream, 'tasks')).pending, 0);
  } finally {
    await consumer.stop();
  }
});

test('consumeEvents refuses handleBatch together with a per-event option', async (t) => {
  await redis.ping();
  await t.throwsAsync(
    consumeEvents({ redis, stream: 'x', group: 'g', consumer: 'c', logger, keyOf: () => '', handleBatch: (events) => Promise.resolve(events) }),
    { message: /handleBatch/ },
  );
  await t.throwsAsync(consumeEvents({ redis, stream: 'x', group: 'g', consumer: 'c', logger }), { message: /exactly one/ });
});
