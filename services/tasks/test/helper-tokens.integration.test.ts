import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl } from '@kathelfer/hack/test-env';
import { hashToken, newOpaqueToken } from '@kathelfer/common/opaque-token';
import { QueryTypes } from 'sequelize';
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

const helperEvent = (type: string, payload: Record<string, unknown>) =>
  redis.xAdd(`${svc.prefix}events:registration`, '*', { id: randomUUID(), type, payload: JSON.stringify(payload), occurredAt: new Date().toISOString() });

const knownTokens = async () => {
  const [row] = await svc.tasks.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${svc.schema}".helper_tokens`, { type: QueryTypes.SELECT });
  return row?.n ?? 0;
};

test('GIVEN a registered helper with an accepted assignment WHEN they use their self-service token THEN they get the check-in code and the brief; after erasure the token no longer works', async (t) => {
  const helperId = randomUUID();
  const token = newOpaqueToken('kh_');
  const before = await knownTokens();
  await helperEvent('helper.registered', { helperId, incidentId: 'flood-2026', skills: ['sandbagging'], tokenHash: hashToken(token), name: 'never stored' });
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

  await helperEvent('helper.erased', { helperId });
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
