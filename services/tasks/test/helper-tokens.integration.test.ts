import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { databaseUrl, eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { createSequelize, migrate } from '@kathelfer/common/db';
import { migrations } from '../src/migrations/index.js';
import { hashToken, newOpaqueToken } from '@kathelfer/common/opaque-token';
import { QueryTypes } from 'sequelize';
import { contractEntry, helperSnapshot } from '@kathelfer/common/testing/contract-entry';
import { assignmentEvent, call, coordinator, ok, siteBody, startTasks, taskBody, testEnv, toStreamEntry, type Running, type SiteView, type TaskView } from './support/tasks.js';

// Helpers reach their check-in codes with the self-service token registration issued them: this
// service learns its hash from the helper events, as the matching service does.
let svc: Running;
let redis: ReturnType<typeof createClient>;
let site: SiteView;
let coordinatorToken: string;

test.before(async () => {
  svc = await startTasks(testEnv());
  redis = createClient({ url: redisUrl() });
  await redis.connect();
  coordinatorToken = await coordinator();
  site = await ok<SiteView>(call(`${svc.url}/v1/sites`, coordinatorToken, 'POST', siteBody()), 201);
});
test.after.always(async () => {
  await svc?.close();
  await redis?.quit();
});

const helperEvent = (type: 'helper.registered' | 'helper.updated', fields: Parameters<typeof helperSnapshot>[0]) =>
  redis.xAdd(`${svc.prefix}events:registration`, '*', contractEntry('registration', type, helperSnapshot(fields)));
const erasure = (helperId: string) => redis.xAdd(`${svc.prefix}events:registration`, '*', contractEntry('registration', 'helper.erased', { helperId }));

const knownTokens = async () => {
  const [row] = await svc.tasks.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${svc.schema}".helper_tokens`, { type: QueryTypes.SELECT });
  return row?.n ?? 0;
};

test('GIVEN a registered helper with an accepted assignment WHEN they use their self-service token THEN they get the check-in code and the brief; after erasure the token no longer works', async (t) => {
  const helperId = randomUUID();
  const token = newOpaqueToken('kh_');
  const before = await knownTokens();
  await helperEvent('helper.registered', { helperId, incidentId: 'flood-2026', skills: ['sandbagging'], tokenHash: hashToken(token) });
  await eventually('the token hash to arrive', async () => ((await knownTokens()) > before ? true : undefined), { timeoutMs: 15_000 });

  const task = await ok<TaskView>(call(`${svc.url}/v1/tasks`, coordinatorToken, 'POST', taskBody(site.id, { headcount: 1 })), 201);
  const accepted = assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id, helperId });
  await redis.xAdd(`${svc.prefix}events:matching`, '*', toStreamEntry(accepted));
  const mine = await eventually(
    'the assignment to arrive',
    async () => {
      const body = await ok<{ items: Array<{ assignmentId: string; code: string }> }>(call(`${svc.url}/v1/checkins/me`, token));
      return body.items.length > 0 ? body.items : undefined;
    },
    { timeoutMs: 15_000 },
  );
  t.is(mine[0]?.assignmentId, accepted.assignmentId);
  t.regex(mine[0]?.code ?? '', /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);

  const brief = await ok<{ title: string; site: { meetingPoint: string }; bring: string[] }>(call(`${svc.url}/v1/tasks/${task.id}/brief`, token));
  t.like(brief, { title: 'Sandsäcke füllen', site: { meetingPoint: 'Tor 2, am Container der Feuerwehr' }, bring: ['Arbeitshandschuhe', 'Gummistiefel'] });
  t.false(JSON.stringify(brief).includes('Petra'), 'no site contact in the brief');
  t.is((await call(`${svc.url}/v1/checkins/me`, newOpaqueToken('kh_'))).status, 401, 'an unknown token');
  t.is((await call(`${svc.url}/v1/tasks/${task.id}`, newOpaqueToken('kh_'))).status, 401);

  await erasure(helperId);
  await eventually('the erasure to arrive', async () => ((await call(`${svc.url}/v1/checkins/me`, token)).status === 401 ? true : undefined), { timeoutMs: 15_000 });
  t.pass();
});

test('a brief of a task of another incident stays hidden from a helper', async (t) => {
  const helperId = randomUUID();
  const token = newOpaqueToken('kh_');
  await helperEvent('helper.registered', { helperId, incidentId: 'storm-2026', tokenHash: hashToken(token) });
  await eventually('the token hash to arrive', async () => ((await call(`${svc.url}/v1/checkins/me`, token)).status === 200 ? true : undefined), { timeoutMs: 15_000 });
  const task = await ok<TaskView>(call(`${svc.url}/v1/tasks`, coordinatorToken, 'POST', taskBody(site.id)), 201);
  t.is((await call(`${svc.url}/v1/tasks/${task.id}/brief`, token)).status, 404);
});

test('a helper who joined a second incident opens the briefs of tasks in both with one token, and of no other incident', async (t) => {
  const helperId = randomUUID();
  const token = newOpaqueToken('kh_');
  const taskIn = async (incidentId: string) => {
    const where = await ok<SiteView>(call(`${svc.url}/v1/sites`, coordinatorToken, 'POST', siteBody({ incidentId })), 201);
    return ok<TaskView>(call(`${svc.url}/v1/tasks`, coordinatorToken, 'POST', taskBody(where.id, { incidentId })), 201);
  };
  const [inFirst, inSecond, elsewhere] = await Promise.all([taskIn('wave-one'), taskIn('wave-two'), taskIn('wave-three')]);
  await helperEvent('helper.registered', { helperId, incidentId: 'wave-one', incidentIds: ['wave-one'], tokenHash: hashToken(token) });
  await eventually('the token hash to arrive', async () => ((await call(`${svc.url}/v1/tasks/${inFirst.id}/brief`, token)).status === 200 ? true : undefined), { timeoutMs: 15_000 });
  t.is((await call(`${svc.url}/v1/tasks/${inSecond.id}/brief`, token)).status, 404, 'not joined yet');

  await helperEvent('helper.updated', { helperId, incidentId: 'wave-one', incidentIds: ['wave-one', 'wave-two'], tokenHash: hashToken(token) });
  await eventually('the join to arrive', async () => ((await call(`${svc.url}/v1/tasks/${inSecond.id}/brief`, token)).status === 200 ? true : undefined), { timeoutMs: 15_000 });
  t.is((await call(`${svc.url}/v1/tasks/${inFirst.id}/brief`, token)).status, 200, 'the first incident still');
  t.is((await call(`${svc.url}/v1/tasks/${elsewhere.id}/brief`, token)).status, 404);
});

test('migration 0003 carries the one incident of existing helper tokens over', async (t) => {
  const schema = uniqueName('tasksmig').replace(/-/g, '_');
  const sequelize = createSequelize({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 2, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 10_000, DB_POOL_IDLE_MS: 1_000 });
  try {
    await migrate(sequelize, databaseUrl(), schema, migrations.slice(0, 2));
    const [withIncident, without] = [randomUUID(), randomUUID()];
    await sequelize.query(
      `INSERT INTO "${schema}".helper_tokens (helper_id, incident_id, token_hash, source_at) VALUES ($1, 'ahr-2021', 'a', now()), ($2, NULL, 'b', now())`,
      { bind: [withIncident, without] },
    );
    t.deepEqual(await migrate(sequelize, databaseUrl(), schema, migrations.slice(0, 3)), ['0003-helper-token-incidents']);
    const rows = await sequelize.query(`SELECT helper_id, incident_ids FROM "${schema}".helper_tokens ORDER BY token_hash`, { type: QueryTypes.SELECT });
    t.deepEqual(rows, [
      { helper_id: withIncident, incident_ids: ['ahr-2021'] },
      { helper_id: without, incident_ids: [] },
    ]);
  } finally {
    await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sequelize.close();
  }
});
