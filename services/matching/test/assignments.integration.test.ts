import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { signToken } from '@kathelfer/common/testing/http';
import { coordinator, helper, publish, readModelHas, runRound, startMatching, streamEvents, task, testEnv, type Running, type TestHelper } from './support/matching.js';

let svc: Running;
let redis: ReturnType<typeof createClient>;

test.before(async () => {
  // A day to answer: every proposal here expires at its shift's start instead.
  svc = await startMatching(testEnv({ PROPOSAL_TTL_SECONDS: '86400' }));
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await svc.close();
  await redis.quit();
});

interface View {
  id: string;
  expiresAt: string;
  helperId: string;
  taskId: string;
  status: string;
  reason: string | null;
}

/** An event with the given helpers and tasks in the read model. */
async function scenario(helpers: TestHelper[], tasks: Array<Record<string, unknown>>): Promise<void> {
  for (const h of helpers) await publish(redis, `${svc.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  for (const t of tasks) await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: t });
  await readModelHas(svc, helpers.map((h) => h.id), tasks.map((t) => String(t.taskId)));
}

async function assignmentsOf(taskId: string): Promise<View[]> {
  const response = await fetch(`${svc.url}/v1/assignments?taskId=${taskId}`, { headers: await coordinator() });
  if (response.status !== 200) throw new Error(`list: ${response.status}`);
  return ((await response.json()) as { items: View[] }).items;
}

const answer = (id: string, decision: 'accept' | 'decline', token: string) =>
  fetch(`${svc.url}/v1/assignments/${id}/${decision}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

test('a round proposes helpers who fit, reports its statistics, and publishes assignment.proposed', async (t) => {
  const event = uniqueName('flood');
  const near = helper(event);
  const unskilled = helper(event, { skills: ['cooking'] });
  const far = helper(event, { area: { postalArea: '803', latitude: 48.14, longitude: 11.58 } });
  const sandbags = task(event, { headcount: 2, priority: 1 });
  await scenario([near, unskilled, far], [sandbags]);

  const stats = await runRound(svc.url, event);
  t.like(stats, { incidentId: event, proposed: 1, helpers: 3, tasks: 1, demand: 2, filled: 1, fill: 0.5, coverage: 0 });
  t.true((stats.meanDistanceKm as number) > 0 && (stats.meanDistanceKm as number) < 5);
  t.true((stats.runTimeMs as number) >= (stats.planMs as number));

  const items = await assignmentsOf(String(sandbags.taskId));
  t.deepEqual(items.map((a) => [a.helperId, a.status]), [[near.id, 'proposed']]);
  t.is(items[0]?.expiresAt, String(sandbags.shift.start), 'an answer after the shift started is no use, so the proposal expires then');
  const events = await eventually('assignment.proposed on the stream', async () => {
    const found = (await streamEvents(redis, `${svc.prefix}events:matching`)).filter((e) => e.payload.taskId === sandbags.taskId);
    return found.length > 0 ? found : undefined;
  });
  t.is(events[0]?.type, 'assignment.proposed');
  t.like(events[0]?.payload, { assignmentId: items[0]?.id, helperId: near.id, incidentId: event, status: 'proposed', shiftStart: sandbags.shift.start, shiftEnd: sandbags.shift.end });
  t.regex(String(events[0]?.payload.occurredAt), /^\d{4}-\d\d-\d\dT/);

  t.like(await runRound(svc.url, uniqueName('quiet')), { proposed: 0, helpers: 0, tasks: 0, demand: 0, fill: 1, coverage: 1 }, 'an incident without data has nothing to plan');
  const again = await runRound(svc.url, event);
  t.like(again, { proposed: 0, filled: 1 }, 'a second round keeps the proposal and adds none');
  const history = (await (await fetch(`${svc.url}/v1/matching/runs?incidentId=${event}`, { headers: await coordinator() })).json()) as { items: Array<Record<string, unknown>> };
  t.deepEqual(history.items.map((r) => [r.roundId, r.proposed]), [[again.roundId, 0], [stats.roundId, 1]], 'coordinators see the rounds, newest first');
  const metrics = await (await fetch(`${svc.url}/metrics`)).text();
  t.regex(metrics, /matching_round_duration_seconds_count\{[^}]*trigger="coordinator"[^}]*\} [1-9]/);
  t.true(metrics.includes(`matching_fill_ratio{incident_id="${event}"`), 'fill per incident');
});

test('a decline re-plans: the slot goes to the next helper, and the decliner is never proposed that task again', async (t) => {
  const event = uniqueName('flood');
  const first = helper(event, { area: { postalArea: '010', latitude: 51.06, longitude: 13.75 } });
  const second = helper(event, { area: { postalArea: '010', latitude: 51.0, longitude: 13.7 } });
  const job = task(event);
  await scenario([first, second], [job]);
  await runRound(svc.url, event);
  const [proposal] = await assignmentsOf(String(job.taskId));
  t.is(proposal?.helperId, first.id, 'the nearer helper first');

  const declined = await answer(proposal?.id ?? '', 'decline', first.token);
  t.is(declined.status, 200);
  t.like(await declined.json(), { status: 'declined' });
  const next = await eventually('the re-plan to propose the other helper', async () => {
    const live = (await assignmentsOf(String(job.taskId))).filter((a) => a.status === 'proposed');
    return live.length === 1 ? live[0] : undefined;
  }, { timeoutMs: 15_000 });
  t.is(next.helperId, second.id);
  t.is((await answer(next.id, 'decline', second.token)).status, 200);
  await runRound(svc.url, event);
  const all = await assignmentsOf(String(job.taskId));
  t.deepEqual(all.map((a) => [a.helperId, a.status]), [[first.id, 'declined'], [second.id, 'declined']], 'nobody is asked twice');
});

test('accepting needs the own token: none or a wrong one is 401, another helper\'s is 403; accepted is published and idempotent, and can be withdrawn', async (t) => {
  const event = uniqueName('flood');
  const mine = helper(event);
  const other = helper(event, { skills: ['cooking'] });
  const job = task(event);
  await scenario([mine, other], [job]);
  await runRound(svc.url, event);
  const [proposal] = await assignmentsOf(String(job.taskId));
  const id = proposal?.id ?? '';

  t.is((await fetch(`${svc.url}/v1/assignments/${id}/accept`, { method: 'POST' })).status, 401);
  t.is((await answer(id, 'accept', 'kh_not-a-token')).status, 401);
  t.is((await answer(id, 'accept', await signToken(['coordinator']))).status, 401, 'a coordinator JWT is no helper token');
  const foreign = await answer(id, 'decline', other.token);
  t.is(foreign.status, 403);
  t.is(foreign.headers.get('content-type'), 'application/problem+json');

  const accepted = await answer(id, 'accept', mine.token);
  t.is(accepted.status, 200);
  t.like(await accepted.json(), { id, status: 'accepted', helperId: mine.id });
  t.is((await answer(id, 'accept', mine.token)).status, 200, 'accepting twice is fine');
  const mineList = (await (await fetch(`${svc.url}/v1/assignments/mine`, { headers: { authorization: `Bearer ${mine.token}` } })).json()) as { items: View[] };
  t.deepEqual(mineList.items.map((a) => a.status), ['accepted']);
  const published = await eventually('assignment.accepted on the stream', async () => {
    const found = (await streamEvents(redis, `${svc.prefix}events:matching`)).filter((e) => e.payload.assignmentId === id && e.type === 'assignment.accepted');
    return found.length > 0 ? found : undefined;
  });
  t.is(published.length, 1, 'one event, although accepted twice');

  const withdrawn = await answer(id, 'decline', mine.token);
  t.is(withdrawn.status, 200, 'a helper who cannot come after all withdraws');
  t.like(await withdrawn.json(), { status: 'cancelled', reason: 'helper-withdrew' });
  t.is((await answer(id, 'accept', mine.token)).status, 409, 'and cannot take it back');
  await eventually('assignment.cancelled on the stream, which the task service counts', async () =>
    (await streamEvents(redis, `${svc.prefix}events:matching`)).some((e) => e.payload.assignmentId === id && e.type === 'assignment.cancelled') ? true : undefined,
  );
});

test('only coordinators run rounds, list and cancel; a cancelled slot is re-planned with someone else', async (t) => {
  const event = uniqueName('flood');
  const a = helper(event);
  const b = helper(event, { area: { postalArea: '010', latitude: 51.0, longitude: 13.7 } });
  const job = task(event);
  await scenario([a, b], [job]);
  const body = JSON.stringify({ incidentId: event });
  t.is((await fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 401);
  const helperAuth = { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' };
  t.is((await fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers: helperAuth, body })).status, 401);
  const noRole = { authorization: `Bearer ${await signToken([])}`, 'content-type': 'application/json' };
  t.is((await fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers: noRole, body })).status, 403);
  t.is((await fetch(`${svc.url}/v1/assignments?taskId=${String(job.taskId)}`, { headers: noRole })).status, 403);

  await runRound(svc.url, event);
  const [proposal] = await assignmentsOf(String(job.taskId));
  const cancelUrl = `${svc.url}/v1/assignments/${proposal?.id ?? ''}/cancel`;
  t.is((await fetch(cancelUrl, { method: 'POST', headers: noRole })).status, 403);
  t.is((await fetch(cancelUrl, { method: 'POST', headers: { authorization: `Bearer ${a.token}` } })).status, 401);
  const cancelled = await fetch(cancelUrl, { method: 'POST', headers: await coordinator() });
  t.is(cancelled.status, 200);
  t.like(await cancelled.json(), { status: 'cancelled', reason: 'coordinator' });
  t.is((await answer(proposal?.id ?? '', 'accept', a.token)).status, 409, 'a cancelled proposal cannot be accepted');
  const replacement = await eventually('the re-plan after the cancellation', async () => {
    const live = (await assignmentsOf(String(job.taskId))).filter((x) => x.status === 'proposed');
    return live[0];
  }, { timeoutMs: 15_000 });
  t.is(replacement.helperId, b.id);
  await eventually('assignment.cancelled on the stream', async () =>
    (await streamEvents(redis, `${svc.prefix}events:matching`)).some((e) => e.type === 'assignment.cancelled' && e.payload.assignmentId === proposal?.id) ? true : undefined,
  );
});

test('bad input gets 4xx problem documents, never a 5xx', async (t) => {
  const headers = await coordinator();
  const cases: Array<[string, Promise<Response>, number]> = [
    ['no event', fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers, body: '{}' }), 422],
    ['an event name that is no DNS label', fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers, body: JSON.stringify({ incidentId: 'Hochwasser Ahr!' }) }), 422],
    ['unknown fields', fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers, body: JSON.stringify({ incidentId: 'flood', extra: 1 }) }), 422],
    ['broken JSON', fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers, body: '{"event":' }), 400],
    ['not JSON', fetch(`${svc.url}/v1/matching/runs`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'flood' }), 415],
    ['an assignment id that is no UUID', fetch(`${svc.url}/v1/assignments/42/cancel`, { method: 'POST', headers }), 422],
    ['an unknown assignment', fetch(`${svc.url}/v1/assignments/6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11/cancel`, { method: 'POST', headers }), 404],
    ['a list without task or event', fetch(`${svc.url}/v1/assignments`, { headers }), 422],
    ['a list with a bad status', fetch(`${svc.url}/v1/assignments?incidentId=flood&status=maybe`, { headers }), 422],
    ['a list with a bad limit', fetch(`${svc.url}/v1/assignments?incidentId=flood&limit=-1`, { headers }), 422],
    ['an unknown route', fetch(`${svc.url}/v1/rounds`, { headers }), 404],
    ['round history without an event', fetch(`${svc.url}/v1/matching/runs`, { headers }), 422],
  ];
  for (const [what, pending, status] of cases) {
    const response = await pending;
    t.is(response.status, status, what);
    t.is(response.headers.get('content-type'), 'application/problem+json', what);
  }
  const unknownHelper = helper('flood');
  t.is((await answer('6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11', 'accept', unknownHelper.token)).status, 401, 'a token matching knows nothing of');
});

test('the OpenAPI document describes every route, helper routes and coordinator routes as bearer-secured', async (t) => {
  const document = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { security?: unknown }>> };
  t.is(document.openapi, '3.1.0');
  for (const route of svc.matching.routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    t.truthy(document.paths[path]?.[route.method], `${route.method} ${path}`);
  }
  for (const [path, method] of [['/v1/matching/runs', 'post'], ['/v1/assignments/{id}/accept', 'post'], ['/v1/assignments/{id}/cancel', 'post']] as const) {
    t.deepEqual(document.paths[path]?.[method]?.security, [{ bearer: [] }], `${method} ${path}`);
  }
});
