import test from 'ava';
import { pino } from 'pino';
import { databaseUrl, eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import type { Consumer } from '../src/bus.js';
import type { Migration } from '../src/db.js';
import { createOutboxTable } from '../src/outbox.model.js';
import { createServiceRuntime, type RuntimeConfig } from '../src/runtime.js';

const logger = pino({ level: 'silent' });

function config(): RuntimeConfig {
  return {
    DATABASE_URL: databaseUrl(),
    DB_SCHEMA: uniqueName('runtime').replace(/-/g, '_'),
    DB_POOL_MAX: 2,
    DB_POOL_MIN: 0,
    DB_POOL_ACQUIRE_MS: 5_000,
    DB_POOL_IDLE_MS: 1_000,
    REDIS_URL: redisUrl(),
    REDIS_PREFIX: `${uniqueName('runtime')}:`,
    OUTBOX_POLL_MS: 50,
    EVENT_STREAM_RETENTION_HOURS: 1,
  };
}

const migrations: Migration[] = [{ name: '0001-outbox', up: ({ context }) => createOutboxTable(context.sequelize, context.schema) }];

test('a consumer that cannot start yet is retried in the background, and close() stops it', async (t) => {
  const c = config();
  const runtime = createServiceRuntime(c, { logger, migrations, defineModels: () => ({}) });
  let attempts = 0;
  let stopped = 0;
  runtime.consumeInBackground('flaky', () => {
    attempts += 1;
    // As when Redis is not reachable yet at start-up.
    if (attempts < 3) return Promise.reject(new Error('connection refused'));
    return Promise.resolve<Consumer>({ stop: () => Promise.resolve(void (stopped += 1)) });
  });
  await runtime.start(); // does not wait for the consumer
  await eventually('the consumer started', () => Promise.resolve(attempts === 3 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 });
  await runtime.sequelize.query(`DROP SCHEMA "${c.DB_SCHEMA}" CASCADE`);
  await runtime.close();
  t.is(stopped, 1);
});

test('close() during the retries ends them without starting the consumer', async (t) => {
  const c = config();
  const runtime = createServiceRuntime(c, { logger, migrations, defineModels: () => ({}) });
  let attempts = 0;
  runtime.consumeInBackground('never', () => {
    attempts += 1;
    return Promise.reject(new Error('connection refused'));
  });
  await runtime.start();
  await eventually('a first attempt', () => Promise.resolve(attempts >= 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 });
  await runtime.sequelize.query(`DROP SCHEMA "${c.DB_SCHEMA}" CASCADE`);
  await runtime.close();
  const after = attempts;
  await new Promise((resolve) => setTimeout(resolve, 700));
  t.is(attempts, after);
});

test('readiness: Redis is required unless the service says it can do without', async (t) => {
  const required = createServiceRuntime(config(), { logger, migrations, defineModels: () => ({}) });
  const degradable = createServiceRuntime(config(), { logger, migrations, defineModels: () => ({}), redis: 'degradable' });
  t.deepEqual(Object.keys(required.readiness.readiness).sort(), ['database', 'redis']);
  t.is(required.readiness.degradable, undefined);
  t.deepEqual(Object.keys(degradable.readiness.readiness), ['database']);
  t.deepEqual(Object.keys(degradable.readiness.degradable ?? {}), ['redis']);
  await Promise.all([required.close(), degradable.close()]);
});


test('close() does not wait without bound for a start attempt that hangs, and stops that consumer if it starts late', async (t) => {
  const c = config();
  const runtime = createServiceRuntime(c, { logger, migrations, defineModels: () => ({}) });
  let release: (consumer: Consumer) => void = () => undefined;
  let stopped = 0;
  // As a Redis client waiting for a reconnect that does not come.
  runtime.consumeInBackground('hanging', () => new Promise<Consumer>((resolve) => (release = resolve)));
  await runtime.start();
  await runtime.sequelize.query(`DROP SCHEMA "${c.DB_SCHEMA}" CASCADE`);
  const started = Date.now();
  await runtime.close();
  t.true(Date.now() - started < 5_000, `close() took ${Date.now() - started} ms`);
  release({ stop: () => Promise.resolve(void (stopped += 1)) });
  await eventually('the late consumer stopped', () => Promise.resolve(stopped === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 });
  t.is(stopped, 1);
});
