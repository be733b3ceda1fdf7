import test from 'ava';
import { createClient } from 'redis';
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import { eventually, redisUrl } from '@kathelfer/hack/test-env';
import { hashToken } from '@kathelfer/common/opaque-token';
import { postJson, startRegistration, testEnv as registrationEnv, validBody, type Running as Registration } from '@kathelfer/registration/testing/registration';
import { startTasks, testEnv as tasksEnv, type Running as Tasks } from '@kathelfer/tasks/testing/tasks';
import { startMatching, testEnv, type Running } from './support/matching.js';

// Registration, matching and the task service on one bus, as deployed: after a helper erases
// themselves, every store is read back — each service's tables, every stream, the logs.
let registration: Registration;
let matching: Running;
let tasks: Tasks;
let redis: ReturnType<typeof createClient>;
const logLines: string[] = [];

test.before(async () => {
  const env = testEnv();
  const prefix = env.REDIS_PREFIX ?? '';
  [registration, matching, tasks] = await Promise.all([
    startRegistration(registrationEnv({ REDIS_PREFIX: prefix }), { logLines }),
    startMatching(env),
    startTasks(tasksEnv({ REDIS_PREFIX: prefix })),
  ]);
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await registration?.close();
  await matching?.close();
  await tasks?.close();
  await redis?.quit();
});

/** Every entry of every stream under the shared prefix, as text. */
async function allStreamEntries(): Promise<Array<{ stream: string; type: string; text: string }>> {
  const out: Array<{ stream: string; type: string; text: string }> = [];
  for await (const keys of redis.scanIterator({ MATCH: `${matching.prefix}*`, TYPE: 'stream' })) {
    for (const stream of keys) {
      for (const entry of (await redis.xRange(stream, '-', '+')) ?? []) out.push({ stream, type: entry.message.type ?? '', text: JSON.stringify(entry.message) });
    }
  }
  return out;
}

async function tableRows(sequelize: Sequelize, schema: string): Promise<string[]> {
  const tables = await sequelize.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1`, { bind: [schema], type: QueryTypes.SELECT });
  const rows: string[] = [];
  for (const { name } of tables) {
    const found = await sequelize.query(`SELECT * FROM "${schema}"."${name}"`, { type: QueryTypes.SELECT });
    rows.push(...found.map((r) => `${name}: ${JSON.stringify(r)}`));
  }
  return rows;
}

test('after a helper erases themselves, no table, stream or log line of any service holds their data, and the streams keep only the erasure', async (t) => {
  // GIVEN a registered helper, who changed their data once, known to matching and the task service
  const body = validBody({ incidentId: 'erasure-check', name: 'Erika Löschmich', location: { postalCode: '01067', coordinates: { latitude: 51.0504, longitude: 13.7373 } } });
  const created = await postJson(`${registration.url}/v1/helpers`, body, { 'Idempotency-Key': 'erasure-check-0001' });
  t.is(created.status, 201);
  const { id, token } = (await created.json()) as { id: string; token: string };
  const self = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  t.is((await fetch(`${registration.url}/v1/helpers/me`, { method: 'PATCH', headers: self, body: JSON.stringify({ maxTravelKm: 40 }) })).status, 200);
  // … and made themselves available for a second incident
  const joined = await fetch(`${registration.url}/v1/helpers/me/incidents`, {
    method: 'POST',
    headers: self,
    body: JSON.stringify({ incidentId: 'erasure-check-wave-two', consent: { version: '2026-01', purposes: ['coordination'] } }),
  });
  t.is(joined.status, 201);
  await eventually('matching and the task service know the helper', async () => {
    const inMatching = await matching.matching.models.Helper.count({ where: { id, incidentIds: { [Op.contains]: ['erasure-check-wave-two'] } } });
    const [inTasks] = await tasks.tasks.sequelize.query(`SELECT 1 FROM "${tasks.schema}".helper_tokens WHERE helper_id = $1`, { bind: [id], type: QueryTypes.SELECT });
    return inMatching === 1 && inTasks !== undefined ? true : undefined;
  });
  t.true((await allStreamEntries()).some((e) => e.type === 'helper.registered' && e.text.includes(id)), 'the registration is on the stream before');

  // WHEN they erase themselves
  t.is((await fetch(`${registration.url}/v1/helpers/me`, { method: 'DELETE', headers: self })).status, 204);

  // THEN every stream keeps only the erasure of this helper
  const entries = await eventually('the erasure published and the earlier entries gone', async () => {
    const mine = (await allStreamEntries()).filter((e) => e.text.includes(id));
    return mine.length === 1 && mine[0]?.type === 'helper.erased' ? mine : undefined;
  });
  t.deepEqual(entries.map((e) => e.type), ['helper.erased']);
  await eventually('matching and the task service applied the erasure', async () => {
    const inMatching = await matching.matching.models.Helper.count({ where: { id } });
    const [inTasks] = await tasks.tasks.sequelize.query(`SELECT 1 FROM "${tasks.schema}".helper_tokens WHERE helper_id = $1`, { bind: [id], type: QueryTypes.SELECT });
    return inMatching === 0 && inTasks === undefined ? true : undefined;
  });
  // … no table of any service holds a personal or locating detail, nor the token's hash
  const personal = [String(body.name), '+49151', '@example.org', '51.05', '13.74', '51.0504', hashToken(token), token];
  const stores: Array<[string, string[]]> = [
    ['registration tables', await tableRows(registration.registration.sequelize, registration.schema)],
    ['matching tables', await tableRows(matching.matching.sequelize, matching.schema)],
    ['tasks tables', await tableRows(tasks.tasks.sequelize, tasks.schema)],
    ['streams', (await allStreamEntries()).map((e) => e.text)],
    ['registration log', logLines],
  ];
  for (const [store, lines] of stores) {
    const mine = lines.filter((line) => line.includes(id) || personal.some((p) => line.includes(p)));
    const leaks = mine.filter((line) => personal.some((p) => line.includes(p)));
    t.deepEqual(leaks, [], `${store} hold nothing personal of the helper`);
  }
  // … and no service keeps which further incident they joined, nor the consent they gave for it
  const [memberships] = await registration.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${registration.schema}".helper_incidents WHERE helper_id = $1`, {
    bind: [id],
    type: QueryTypes.SELECT,
  });
  t.is(memberships?.n, 0, 'every incident membership is gone');
  for (const [store, lines] of stores.slice(1, 3)) {
    t.deepEqual(lines.filter((line) => line.includes(id) && line.includes('erasure-check-wave-two')), [], `${store} forget the helper's second incident`);
  }
  // … and no other Redis key does either (rate-limit counters, dedup keys, the stream index)
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${matching.prefix}*` })) keys.push(...batch);
  t.false(keys.some((k) => k.includes(id) && k.includes('helper-entries')), 'the stream index of the helper is gone');
});
