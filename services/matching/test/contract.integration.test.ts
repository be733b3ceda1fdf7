import test from 'ava';
import { createClient } from 'redis';
import { contracts, schemaOf } from '@kathelfer/contracts';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { QueryTypes } from 'sequelize';
import { helper, publish, readModelHas, runRound, startMatching, task, testEnv, type Running } from './support/matching.js';

// The matching service's real output — its own code writing its outbox in PostgreSQL — parsed with
// the schema its consumer (tasks) parses it with. A renamed or retyped field fails here.
let svc: Running;
let redis: ReturnType<typeof createClient>;
test.before(async () => {
  svc = await startMatching(testEnv());
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await svc?.close();
  await redis?.quit();
});

const answer = (id: string, decision: 'accept' | 'decline', token: string) =>
  fetch(`${svc.url}/v1/assignments/${id}/${decision}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

test('every event type the matching service declares is produced by its own code and parses with the schema its consumers use', async (t) => {
  const incident = uniqueName('flood');
  const people = [helper(incident), helper(incident), helper(incident)];
  const job = task(incident, { headcount: 3 });
  for (const h of people) await publish(redis, `${svc.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: job });
  await readModelHas(svc, people.map((h) => h.id), [job.taskId]);
  t.is((await runRound(svc.url, incident)).proposed, 3);
  const proposals = await svc.matching.models.Assignment.findAll({ where: { taskId: job.taskId }, raw: true });
  const byHelper = new Map(proposals.map((a) => [a.helperId, a.id]));
  const [accepts, declines] = [people[0]!, people[1]!];
  t.is((await answer(byHelper.get(accepts.id)!, 'accept', accepts.token)).status, 200);
  t.is((await answer(byHelper.get(accepts.id)!, 'decline', accepts.token)).status, 200, 'withdrawn after accepting: cancelled');
  t.is((await answer(byHelper.get(declines.id)!, 'decline', declines.token)).status, 200);
  // the third never answers: its answer time runs out (moved to the past here, not waited for) and the sweep expires it
  await svc.matching.sequelize.query(`UPDATE "${svc.schema}".assignments SET expires_at = now() - interval '1 second' WHERE id = $1`, { bind: [byHelper.get(people[2]!.id)] });

  const rows = await eventually('every kind of assignment event in the outbox', async () => {
    const found = await svc.matching.sequelize.query<{ type: string; version: number; payload: unknown }>(
      `SELECT type, version, payload FROM "${svc.schema}".outbox WHERE stream = 'matching' ORDER BY seq`,
      { type: QueryTypes.SELECT },
    );
    return new Set(found.map((r) => r.type)).size === Object.keys(contracts.matching.events).length ? found : undefined;
  }, { timeoutMs: 60_000 });
  for (const row of rows) {
    const parsed = schemaOf('matching', row.type, row.version)?.safeParse(row.payload);
    t.true(parsed?.success, `${row.type} v${row.version}: ${parsed?.success === false ? parsed.error.message : 'not declared'}`);
  }
  t.deepEqual([...new Set(rows.map((r) => r.type))].sort(), Object.keys(contracts.matching.events).sort());
});
