import test from 'ava';
import { pino } from 'pino';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { createSequelize } from '@kathelfer/common/db';
import { serve } from '@kathelfer/common/serve';
import { createMatching } from '../src/app.js';
import { loadMatchingConfig } from '../src/config.js';
import { coordinator, helper, publish, task, testEnv } from './support/matching.js';

const slowWorker = new URL('./support/slow-plan-worker.ts', import.meta.url);

test('GIVEN a round that plans for minutes WHEN it runs THEN /healthz answers, events are applied, and SIGTERM shuts down without waiting for it', async (t) => {
  const env = testEnv({ ROUND_PLAN_DEADLINE_MS: '600000', ROUND_PLAN_GRACE_MS: '1000', SHUTDOWN_DRAIN_MS: '100', SHUTDOWN_TIMEOUT_MS: '500' });
  const config = loadMatchingConfig(env);
  const matching = createMatching(config, pino({ level: 'silent' }), { planWorker: slowWorker });
  await matching.start();
  const serving = await serve({
    app: matching.app,
    port: 0,
    host: '127.0.0.1',
    lifecycle: matching.lifecycle,
    logger: matching.logger,
    drainMs: config.SHUTDOWN_DRAIN_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: () => matching.close(),
  });
  const url = `http://127.0.0.1:${serving.port}`;
  const redis: ReturnType<typeof createClient> = createClient({ url: redisUrl() });
  await redis.connect();
  const stream = (name: string) => `${config.REDIS_PREFIX}events:${name}`;
  const inReadModel = (helperId: string) =>
    eventually(`helper ${helperId} in the read model`, async () => ((await matching.models.Helper.count({ where: { id: helperId } })) === 1 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
  try {
    const event = uniqueName('long');
    const first = helper(event);
    await publish(redis, stream('registration'), { type: 'helper.registered', payload: first.payload });
    await publish(redis, stream('tasks'), { type: 'task.created', payload: task(event) });
    await inReadModel(first.id);

    // WHEN a coordinator starts a round whose planning does not end by itself
    let roundSettled = false;
    const round = fetch(`${url}/v1/matching/runs`, { method: 'POST', headers: await coordinator(), body: JSON.stringify({ incidentId: event }) }).then(
      (r) => r.status,
      () => 'connection closed' as const,
    ).finally(() => (roundSettled = true));
    await eventually('the round to be planning', () => Promise.resolve(matching.planner.running > 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 20 });

    // THEN the process answers its liveness probe, again and again
    for (let i = 0; i < 5; i++) t.is((await fetch(`${url}/healthz`)).status, 200);
    // and applies new events from the bus
    const second = helper(event);
    await publish(redis, stream('registration'), { type: 'helper.registered', payload: second.payload });
    await inReadModel(second.id);
    t.false(roundSettled, 'the round was still planning all the while');
    t.is(matching.planner.running, 1);

    // WHEN SIGTERM arrives (serve's handler runs exactly this) THEN shutdown completes, the worker is gone
    await serving.shutdown('SIGTERM');
    t.is(matching.planner.running, 0);
    t.not(await round, 200);
  } finally {
    await redis.quit();
    await serving.shutdown('test end');
    const sequelize = createSequelize(config);
    await sequelize.query(`DROP SCHEMA IF EXISTS "${config.DB_SCHEMA}" CASCADE`).catch(() => undefined);
    await sequelize.close();
  }
});

