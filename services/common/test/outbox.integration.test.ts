import test from 'ava';
import { pino } from 'pino';
import { createClient } from 'redis';
import { databaseUrl, eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { consumeEvents, type BusEvent } from '../src/bus.js';
import { createSequelize, migrate, type Migration } from '../src/db.js';
import { appendEvent, appendEvents, OutboxRelay } from '../src/outbox.js';
import { addOutboxVersionColumn, createOutboxTable, defineOutboxModel } from '../src/outbox.model.js';
import { createRedis } from '../src/redis.js';

const logger = pino({ level: 'silent' });
const schema = uniqueName('outbox').replace(/-/g, '_');
const prefix = `${schema}:`;
const config = { DATABASE_URL: databaseUrl(), DB_POOL_MAX: 5, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 5_000, DB_POOL_IDLE_MS: 1_000 };
const sequelize = createSequelize(config);
const redis = createRedis(redisUrl(), logger);
const Outbox = defineOutboxModel(sequelize, schema);
let applied = 0;
const migrations: Migration[] = [
  {
    name: '0001-outbox',
    async up({ context }) {
      applied += 1;
      await createOutboxTable(context.sequelize, context.schema);
      await addOutboxVersionColumn(context.sequelize, context.schema);
    },
  },
];

test.before(async () => {
  // Two replicas starting together: the advisory lock makes the migration run once.
  const other = createSequelize(config);
  const results = await Promise.all([
    migrate(sequelize, config.DATABASE_URL, schema, migrations),
    migrate(other, config.DATABASE_URL, schema, migrations),
  ]);
  await other.close();
  appliedNames = results.flat();
  await redis.ping();
});
let appliedNames: string[] = [];
test.after.always(async () => {
  await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sequelize.close();
  await redis.quit();
});

test('migrations run once even when two replicas start together', (t) => {
  t.is(applied, 1);
  t.deepEqual(appliedNames, ['0001-outbox']);
});

// The relay tests share this file's outbox table, so they run one after the other.
test.serial('an event written in a rolled-back transaction never leaves; a committed one is published once and marked sent', async (t) => {
  const relay = new OutboxRelay({ sequelize, schema, redis, streamPrefix: `${prefix}events:`, pollMs: 50, logger });
  await sequelize
    .transaction(async (transaction) => {
      await appendEvent(Outbox, transaction, 'tx', { type: 'thing.created', payload: { n: 1 } });
      throw new Error('business rule failed');
    })
    .catch(() => undefined);
  const id = await sequelize.transaction((transaction) => appendEvent(Outbox, transaction, 'tx', { type: 'thing.created', payload: { n: 2 } }));
  t.is(await relay.relayOnce(), 1);
  t.is(await relay.relayOnce(), 0, 'nothing is published twice');
  const entries = (await redis.xRange(`${prefix}events:tx`, '-', '+')) ?? [];
  t.deepEqual(entries.map((e) => [e.message.id, e.message.type, JSON.parse(e.message.payload ?? '') as unknown]), [[id, 'thing.created', { n: 2 }]]);
  const row = await Outbox.findByPk(id);
  t.truthy(row?.sentAt);
});

// Serial: the relay publishes every unsent row of the schema, which the other tests count.
test.serial('events appended in bulk keep the ids the caller chose, commit together and are all published', async (t) => {
  const relay = new OutboxRelay({ sequelize, schema, redis, streamPrefix: `${prefix}events:`, pollMs: 50, logger });
  const ids = await sequelize.transaction((transaction) =>
    appendEvents(Outbox, transaction, 'bulk', [
      { id: '6f7d0c7e-1a2b-4c3d-8e9f-000000000001', type: 'thing.proposed', payload: { n: 1 } },
      { type: 'thing.proposed', payload: { n: 2 } },
    ]),
  );
  t.is(ids[0], '6f7d0c7e-1a2b-4c3d-8e9f-000000000001');
  t.regex(ids[1] ?? '', /^[0-9a-f-]{36}$/);
  await relay.relayOnce();
  const entries = (await redis.xRange(`${prefix}events:bulk`, '-', '+')) ?? [];
  // One statement gives the rows one creation time, so their order on the stream is not defined.
  t.deepEqual(
    entries.map((e) => [e.message.id, e.message.payload?.replace(/\s/g, '')]).sort(),
    [
      [ids[0], '{"n":1}'],
      [ids[1], '{"n":2}'],
    ].sort(),
  );
});

test('a consumer group gets each event once, drops a duplicate with the same event id, and a second group gets them too', async (t) => {
  const stream = `${prefix}events:dedup`;
  const raw = createClient({ url: redisUrl() });
  await raw.connect();
  const seen: BusEvent[] = [];
  const otherGroup: string[] = [];
  const consumers = await Promise.all([
    consumeEvents({ redis, stream, group: 'matching', consumer: 'c1', dedupPrefix: `${prefix}dedup:`, blockMs: 100, logger, handle: (e) => Promise.resolve(void seen.push(e)) }),
    consumeEvents({ redis, stream, group: 'tasks', consumer: 'c1', dedupPrefix: `${prefix}dedup:`, blockMs: 100, logger, handle: (e) => Promise.resolve(void otherGroup.push(e.id)) }),
  ]);
  try {
    const event = { id: 'evt-1', type: 'helper.registered', payload: '{"helperId":"h1"}', occurredAt: new Date().toISOString() };
    await raw.xAdd(stream, '*', event);
    await raw.xAdd(stream, '*', event); // the relay crashed between XADD and marking it sent
    await raw.xAdd(stream, '*', { ...event, id: 'evt-2' });
    await eventually('both events in both groups', () => Promise.resolve(seen.length >= 2 && otherGroup.length >= 2 ? true : undefined), { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.deepEqual(seen.map((e) => e.id), ['evt-1', 'evt-2']);
    t.deepEqual(seen[0]?.payload, { helperId: 'h1' });
    t.deepEqual(otherGroup, ['evt-1', 'evt-2']);
    const pending = await raw.xPending(stream, 'matching');
    t.is(pending.pending, 0, 'everything acknowledged, the duplicate too');
  } finally {
    await Promise.all(consumers.map((c) => c.stop()));
    await raw.quit();
  }
});

test('with a key, events of one key are handled in stream order and different keys in parallel', async (t) => {
  const stream = `${prefix}events:keyed`;
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const consumer = await consumeEvents({
    redis,
    stream,
    group: 'matching',
    consumer: 'c1',
    dedupPrefix: `${prefix}dedup:`,
    blockMs: 100,
    logger,
    keyOf: (e) => String(e.payload.key),
    concurrency: 4,
    handle: async (e) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Later events of a key finish faster: only ordering per key keeps them in sequence.
      await new Promise((resolve) => setTimeout(resolve, 60 - Number(e.payload.n) * 10));
      log.push(`${String(e.payload.key)}${String(e.payload.n)}`);
      inFlight -= 1;
    },
  });
  try {
    const multi = redis.multi();
    for (let n = 1; n <= 3; n++) for (const key of ['a', 'b', 'c']) multi.xAdd(stream, '*', { id: `k-${key}-${n}`, type: 't', payload: JSON.stringify({ key, n }), occurredAt: '' });
    await multi.exec();
    await eventually('all nine events handled', () => Promise.resolve(log.length === 9 ? true : undefined), { timeoutMs: 10_000 });
    for (const key of ['a', 'b', 'c']) t.deepEqual(log.filter((x) => x.startsWith(key)), [`${key}1`, `${key}2`, `${key}3`], `key ${key} in order`);
    t.true(maxInFlight > 1, 'keys ran in parallel');
  } finally {
    await consumer.stop();
  }
});

test("entries a crashed member left pending are claimed and handled by another member after the idle time", async (t) => {
  const stream = `${prefix}events:reclaim`;
  const handled: string[] = [];
  const base = { redis, stream, group: 'matching', dedupPrefix: `${prefix}dedup:`, blockMs: 100, logger };
  const crashed = await consumeEvents({ ...base, consumer: 'pod-1', handle: () => Promise.reject(new Error('killed mid-event')) });
  await redis.xAdd(stream, '*', { id: 'evt-orphan', type: 't', payload: '{}', occurredAt: '' });
  await eventually('the event pending at the crashed member', async () => ((await redis.xPending(stream, 'matching')).pending === 1 ? true : undefined), { timeoutMs: 10_000 });
  await crashed.stop();
  const survivor = await consumeEvents({ ...base, consumer: 'pod-2', reclaimIdleMs: 300, handle: (e) => Promise.resolve(void handled.push(e.id)) });
  try {
    await eventually('the orphan to be handled by the survivor', () => Promise.resolve(handled.length === 1 ? true : undefined), { timeoutMs: 10_000 });
    t.deepEqual(handled, ['evt-orphan']);
    await eventually('acknowledged', async () => ((await redis.xPending(stream, 'matching')).pending === 0 ? true : undefined), { timeoutMs: 10_000 });
  } finally {
    await survivor.stop();
  }
});

test('an event whose handler fails stays pending and is handled when the consumer starts again', async (t) => {
  const stream = `${prefix}events:retry`;
  let failing = true;
  const handled: string[] = [];
  const options = {
    redis,
    stream,
    group: 'matching',
    consumer: 'c1',
    dedupPrefix: `${prefix}dedup:`,
    blockMs: 100,
    logger,
    handle: (e: BusEvent) => (failing ? Promise.reject(new Error('database away')) : Promise.resolve(void handled.push(e.id))),
  };
  const first = await consumeEvents(options);
  await redis.xAdd(stream, '*', { id: 'evt-r', type: 't', payload: '{}', occurredAt: '' });
  await eventually('the event to be delivered once', async () => ((await redis.xPending(stream, 'matching')).pending === 1 ? true : undefined), { timeoutMs: 10_000 });
  await first.stop();
  failing = false;
  const second = await consumeEvents(options);
  try {
    await eventually('the pending event to be handled', () => Promise.resolve(handled.length === 1 ? true : undefined), { timeoutMs: 10_000 });
    t.deepEqual(handled, ['evt-r']);
    await eventually('acknowledged', async () => ((await redis.xPending(stream, 'matching')).pending === 0 ? true : undefined), { timeoutMs: 10_000 });
    t.pass();
  } finally {
    await second.stop();
  }
});

test('a stream entry that is not an event (its payload is not JSON) goes to the dead-letter stream, and the stream moves on', async (t) => {
  const stream = `${prefix}events:unreadable`;
  const handled: string[] = [];
  const deadLettered: string[] = [];
  const consumer = await consumeEvents({
    redis,
    stream,
    group: 'matching',
    consumer: 'c1',
    blockMs: 100,
    logger,
    onDeadLetter: (e) => void deadLettered.push(e.id),
    handle: (e) => Promise.resolve(void handled.push(e.id)),
  });
  try {
    await redis.xAdd(stream, '*', { id: 'garbled', type: 'helper.erased', payload: '{"helperId":', occurredAt: '' });
    await redis.xAdd(stream, '*', { id: 'array', type: 'helper.erased', payload: '[1]', occurredAt: '' });
    await redis.xAdd(stream, '*', { id: 'good', type: 'helper.erased', payload: '{"helperId":"6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11"}', occurredAt: '' });
    await eventually('the valid event handled', () => Promise.resolve(handled.length === 1 ? true : undefined), { timeoutMs: 10_000 });
    t.deepEqual(handled, ['good']);
    t.deepEqual(deadLettered, ['garbled', 'array']);
    const dead = (await redis.xRange(`${stream}:dead-letter`, '-', '+')) ?? [];
    t.deepEqual(dead.map((e) => [e.message.id, e.message.group]), [['garbled', 'matching'], ['array', 'matching']]);
    t.is((await redis.xPending(stream, 'matching')).pending, 0);
  } finally {
    await consumer.stop();
  }
});

test.serial('publishing trims stream entries older than the retention period', async (t) => {
  const stream = `${prefix}events:trim`;
  await redis.xAdd(stream, '1000-0', { id: 'ancient', type: 't', payload: '{}', occurredAt: '' });
  const relay = new OutboxRelay({ sequelize, schema, redis, streamPrefix: `${prefix}events:`, pollMs: 50, retentionMs: 3600_000, logger });
  await sequelize.transaction((transaction) => appendEvent(Outbox, transaction, 'trim', { type: 'thing.created', payload: {} }));
  await relay.relayOnce();
  const entries = (await redis.xRange(stream, '-', '+')) ?? [];
  t.deepEqual(entries.map((e) => e.message.type), ['thing.created']);
});

test.serial('two relays publishing at once publish every event exactly once, in the order written', async (t) => {
  const relays = [1, 2].map(() => new OutboxRelay({ sequelize, schema, redis, streamPrefix: `${prefix}events:`, pollMs: 10, batchSize: 7, logger }));
  const written: string[] = [];
  for (let i = 0; i < 60; i++) {
    written.push(await sequelize.transaction((transaction) => appendEvent(Outbox, transaction, 'order', { type: 'n', payload: { i } })));
  }
  relays.forEach((relay) => relay.start());
  await eventually('all published', async () => {
    const [rows] = (await sequelize.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE sent_at IS NULL`)) as [Array<{ n: number }>, unknown];
    return rows[0]?.n === 0 ? true : undefined;
  });
  await Promise.all(relays.map((relay) => relay.stop()));
  const entries = (await redis.xRange(`${prefix}events:order`, '-', '+')) ?? [];
  t.deepEqual(entries.map((e) => e.message.id), written);
});
