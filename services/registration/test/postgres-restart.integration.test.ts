import test from 'ava';
import { QueryTypes } from 'sequelize';
import { eventually } from '@kathelfer/hack/test-env';
import { OwnDatastores } from '@kathelfer/common/testing/own-datastores';
import { postJson, startRegistration, testEnv, validBody } from './support/registration.js';

test('GIVEN registrations under load WHEN PostgreSQL restarts THEN no acknowledged registration is lost, failures are 503 problems without personal data in the logs, and the service recovers', async (t) => {
  const datastores = await OwnDatastores.start();
  const logLines: string[] = [];
  const svc = await startRegistration(
    testEnv({ DATABASE_URL: datastores.databaseUrl, REDIS_URL: datastores.redisUrl, DB_POOL_MAX: '8', DB_POOL_ACQUIRE_MS: '3000' }),
    { logLines },
  );
  try {
    const acknowledged: string[] = [];
    const failures = new Map<number, number>();
    let stop = false;
    let restartedAt = Number.POSITIVE_INFINITY;
    let acknowledgedAfterRestart = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const response = await postJson(`${svc.url}/v1/helpers`, validBody());
          if (response.status === 201) {
            acknowledged.push(((await response.json()) as { id: string }).id);
            if (Date.now() > restartedAt) acknowledgedAfterRestart += 1;
          } else {
            failures.set(response.status, (failures.get(response.status) ?? 0) + 1);
            await response.body?.cancel();
            await new Promise((r) => setTimeout(r, 50));
          }
        } catch {
          failures.set(0, (failures.get(0) ?? 0) + 1);
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    await new Promise((r) => setTimeout(r, 1_000));
    const beforeRestart = acknowledged.length;
    await datastores.restartPostgres();
    restartedAt = Date.now();
    await eventually('registrations to succeed again', () => Promise.resolve(acknowledgedAfterRestart >= 20 ? true : undefined), { timeoutMs: 30_000 });
    stop = true;
    await Promise.all(workers);

    t.true(beforeRestart > 0, 'registrations went through before the restart');
    const ids = [...new Set(acknowledged)];
    const found = await svc.registration.sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${svc.schema}".helpers h
        WHERE h.id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM "${svc.schema}".outbox o WHERE o.payload->>'helperId' = h.id::text)`,
      { bind: [ids], type: QueryTypes.SELECT, plain: true },
    );
    t.is(found?.n, ids.length, `all ${ids.length} acknowledged registrations and their events are stored`);
    const statuses = [...failures.keys()];
    t.true(statuses.every((s) => s === 503), `failures were 503 only: ${JSON.stringify([...failures])}`);
    // Failed statements carry the helper's data as parameters; none of it may reach the logs.
    const logs = logLines.join('');
    t.true(logLines.length > ids.length, 'access and error lines were logged');
    t.false(/\+49151|example\.org|Helper \d/.test(logs), 'no phone, e-mail or name in the logs');
    t.log(`${ids.length} acknowledged (${beforeRestart} before the restart); failed during it: ${JSON.stringify([...failures])}`);
  } finally {
    await svc.close();
    await datastores.purge();
  }
});
