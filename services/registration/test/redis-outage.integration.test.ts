import test from 'ava';
import { createClient } from 'redis';
import { QueryTypes } from 'sequelize';
import { eventually } from '@kathelfer/hack/test-env';
import { OwnRedis } from '@kathelfer/common/testing/own-datastores';
import { postJson, startRegistration, testEnv, validBody } from './support/registration.js';

test('GIVEN Redis stops WHEN helpers register THEN every registration succeeds, and its event is published once Redis is back', async (t) => {
  const redis = await OwnRedis.start();
  const svc = await startRegistration(testEnv({ REDIS_URL: redis.url, OUTBOX_POLL_MS: '100' }));
  const reader = createClient({ url: redis.url });
  try {
    const register = async () => {
      const response = await postJson(`${svc.url}/v1/helpers`, validBody());
      t.is(response.status, 201);
      return ((await response.json()) as { id: string }).id;
    };
    const before = [await register(), await register()];
    // On a loaded machine the relay may not have published these yet; the count below is about the outage only.
    const unsent = async () =>
      (await svc.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${svc.schema}".outbox WHERE sent_at IS NULL`, { plain: true, type: QueryTypes.SELECT }))?.n;
    await eventually('the events before the outage published', async () => ((await unsent()) === 0 ? true : undefined), { timeoutMs: 10_000 });

    await redis.down(); 
    const during: string[] = [];
    for (let i = 0; i < 10; i++) during.push(await register());
    const backlog = await svc.registration.sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${svc.schema}".outbox WHERE sent_at IS NULL`,
      { plain: true, type: QueryTypes.SELECT },
    );
    t.is(backlog?.n, 10, 'the events wait in the outbox');
    t.is((await fetch(`${svc.url}/readyz`)).status, 503, 'not ready without Redis');

    await redis.up(); 
    await reader.connect();
    const stream = `${svc.prefix}events:registration`;
    const published = await eventually(
      'all events on the stream',
      async () => {
        const entries = (await reader.xRange(stream, '-', '+')) ?? [];
        return entries.length >= 12 ? entries : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const helperIds = published.map((e) => (JSON.parse(e.message.payload ?? '{}') as { helperId: string }).helperId);
    t.deepEqual(new Set(helperIds), new Set([...before, ...during]));
    t.is(new Set(published.map((e) => e.message.id)).size, published.length, 'each event once, with its own id');
    await eventually('readiness back', async () => ((await fetch(`${svc.url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 10_000 });
  } finally {
    if (reader.isOpen) await reader.quit();
    await svc.close(); 
    await redis.purge();
  }
});
