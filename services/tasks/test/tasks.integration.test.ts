import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl } from '@kathelfer/hack/test-env';
import { call, coordinator, helper, ok, siteBody, siteLead, startTasks, taskBody, type Running, type SiteView, type TaskView } from './support/tasks.js';

let svc: Running;
let redis: ReturnType<typeof createClient>;
let token: string;
let site: SiteView;

test.before(async () => {
  svc = await startTasks();
  redis = createClient({ url: redisUrl() });
  await redis.connect();
  token = await coordinator();
  site = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody()), 201);
});
test.after.always(async () => {
  await svc?.close();
  await redis?.quit();
});

const createTask = (overrides: Record<string, unknown> = {}) => ok<TaskView>(call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(site.id, overrides)), 201);
const patchTask = (id: string, body: unknown, by = token, headers: Record<string, string> = {}) => call(`${svc.url}/v1/tasks/${id}`, by, 'PATCH', body, headers);

async function eventsOf(taskId: string) {
  const entries = (await redis.xRange(`${svc.prefix}events:tasks`, '-', '+')) ?? [];
  return entries
    .map((e) => ({ type: e.message.type ?? '', payload: JSON.parse(e.message.payload ?? '{}') as Record<string, unknown> }))
    .filter((e) => e.payload.taskId === taskId);
}

test('a coordinator creates a site and a task; task.created carries what matching needs and nothing personal', async (t) => {
  t.like(site, { capacity: 40, version: 1 });
  const task = await createTask({ headcount: 3, priority: 1 });
  t.like(task, { status: 'open', filledCount: 0, headcount: 3, version: 1, shiftHours: 6, area: { postalArea: '010' } });
  const read = await call(`${svc.url}/v1/tasks/${task.id}`, token);
  t.is(read.headers.get('etag'), '"1"');
  const [created] = await eventually('task.created on the bus', async () => {
    const events = await eventsOf(task.id);
    return events.length > 0 ? events : undefined;
  });
  t.is(created?.type, 'task.created');
  t.like(created?.payload, { skills: ['sandbagging'], resources: ['shovel'], headcount: 3, priority: 1, status: 'open', location: { postalArea: '010', latitude: 51.0504 } });
  t.truthy((created?.payload.shift as { start?: string }).start);
  const text = JSON.stringify(created?.payload);
  // The site contact and the briefing stay off the bus; the title, what to bring and where the site
  // is travel in `brief`, for the helpers' notifications (issue 17) — what every helper's brief shows.
  for (const personal of ['Petra', '+49 351', 'Meldung bei']) t.false(text.includes(personal), `${personal} is not on the bus`);
  t.is((created?.payload.brief as { title?: string } | undefined)?.title, 'Sandsäcke füllen');
});

test('lifecycle: allowed transitions pass, refused ones get 409 naming the allowed ones, cancelling publishes task.cancelled', async (t) => {
  const task = await createTask();
  const refused = await patchTask(task.id, { version: 1, status: 'completed' });
  t.is(refused.status, 409);
  const problem = (await refused.json()) as { detail: string; allowed: string[] };
  t.deepEqual(problem.allowed, ['in_progress', 'cancelled']);
  t.regex(problem.detail, /Allowed from open: in_progress, cancelled/);
  t.is((await patchTask(task.id, { version: 1, status: 'filled' })).status, 409, 'filled follows the fill; it is not set by hand');

  const started = await ok<TaskView>(patchTask(task.id, { version: 1, status: 'in_progress' }));
  t.like(started, { status: 'in_progress', version: 2 });
  const done = await ok<TaskView>(patchTask(task.id, { version: 2, status: 'completed' }));
  t.like(done, { status: 'completed', version: 3 });
  const reopen = await patchTask(task.id, { version: 3, status: 'in_progress' });
  t.is(reopen.status, 409);
  t.regex(((await reopen.json()) as { detail: string }).detail, /completed is final/);
  t.is((await patchTask(task.id, { version: 3, title: 'Neu' })).status, 409, 'a completed task cannot be edited');

  const other = await createTask();
  t.like(await ok<TaskView>(patchTask(other.id, { version: 1, status: 'cancelled' })), { status: 'cancelled' });
  const types = await eventually('task.cancelled on the bus', async () => {
    const events = (await eventsOf(other.id)).map((e) => e.type);
    return events.includes('task.cancelled') ? events : undefined;
  });
  t.deepEqual(types, ['task.created', 'task.cancelled']);
});

test('GIVEN two coordinators edit the same version WHEN both save THEN one wins, the other gets 409 with the current version and nothing is overwritten', async (t) => {
  const task = await createTask();
  const other = await coordinator('coordinator-2');
  const [a, b] = await Promise.all([patchTask(task.id, { version: 1, title: 'Titel von A' }), patchTask(task.id, { version: 1, priority: 5 }, other)]);
  t.deepEqual([a.status, b.status].sort(), [200, 409]);
  const loser = a.status === 409 ? a : b;
  t.like(await loser.json(), { status: 409, currentVersion: 2 });
  const now = await ok<TaskView & { title: string; priority: number }>(call(`${svc.url}/v1/tasks/${task.id}`, token));
  t.is(now.version, 2);
  t.true((now.title === 'Titel von A') !== (now.priority === 5), 'exactly one of the two changes is applied');

  // The loser re-reads and applies the change on top; If-Match works as well as a body version.
  const retried = await ok<TaskView & { title: string; priority: number }>(patchTask(task.id, { title: 'Titel von A', priority: 5 }, token, { 'if-match': '"2"' }));
  t.like(retried, { version: 3, title: 'Titel von A', priority: 5 });
  t.is((await patchTask(task.id, { title: 'ohne Version' })).status, 422, 'a write without a version is refused');
});

test('sites: a stale version is refused; moving a site moves its open tasks to the new area', async (t) => {
  const own = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody({ name: 'Turnhalle' })), 201);
  const task = await createTask({ siteId: own.id });
  const moved = await ok<SiteView>(call(`${svc.url}/v1/sites/${own.id}`, token, 'PATCH', { version: 1, address: { postalCode: '01309', city: 'Dresden' }, capacity: 10 }));
  t.like(moved, { version: 2, capacity: 10 });
  const stale = await call(`${svc.url}/v1/sites/${own.id}`, token, 'PATCH', { version: 1, capacity: 12 });
  t.is(stale.status, 409);
  t.like(await stale.json(), { currentVersion: 2 });
  t.like(await ok(call(`${svc.url}/v1/tasks/${task.id}`, token)), { area: { postalArea: '013' } });
  const listed = await ok<{ items: SiteView[] }>(call(`${svc.url}/v1/sites?incidentId=flood-2026`, token));
  t.true(listed.items.some((s) => s.id === own.id));
});

test('open tasks by incident, area and priority: most urgent first, only open or partially filled, paged by cursor', async (t) => {
  const incidentId = 'storm-query';
  const own = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody({ incidentId, address: { postalCode: '04109', city: 'Leipzig' } })), 201);
  const made: TaskView[] = [];
  for (const priority of [3, 1, 5, 2, 1]) made.push(await createTask({ incidentId, siteId: own.id, priority }));
  await ok(patchTask(made[1]?.id ?? '', { version: 1, status: 'cancelled' }));
  const list = (query: string) => ok<{ items: Array<TaskView & { priority: number }>; nextCursor: string | null }>(call(`${svc.url}/v1/tasks?incidentId=${incidentId}&${query}`, token));
  const all = await list('area=041');
  t.deepEqual(all.items.map((i) => i.priority), [1, 2, 3, 5], 'the cancelled one is not open');
  t.deepEqual((await list('area=041&maxPriority=2')).items.map((i) => i.priority), [1, 2]);
  t.deepEqual((await list('area=010')).items, []);
  const first = await list('limit=3');
  t.is(first.items.length, 3);
  t.truthy(first.nextCursor);
  const second = await list(`limit=3&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
  t.deepEqual(second.items.map((i) => i.priority), [5]);
  t.is(second.nextCursor, null);
});

test('auth: without a token 401; helpers write nothing, list nothing, and see no task they are not assigned to', async (t) => {
  const task = await createTask();
  const asHelper = await helper(randomUUID());
  t.is((await call(`${svc.url}/v1/tasks`, undefined, 'POST', taskBody(site.id))).status, 401);
  t.is((await call(`${svc.url}/v1/tasks/${task.id}`, 'not-a-jwt')).status, 401);
  t.is((await call(`${svc.url}/v1/tasks`, asHelper, 'POST', taskBody(site.id))).status, 403);
  t.is((await call(`${svc.url}/v1/sites`, asHelper, 'POST', siteBody())).status, 403);
  t.is((await patchTask(task.id, { version: 1, status: 'cancelled' }, asHelper)).status, 403);
  t.is((await call(`${svc.url}/v1/tasks?incidentId=flood-2026`, asHelper)).status, 403);
  t.is((await call(`${svc.url}/v1/sites/${site.id}`, asHelper)).status, 403, 'the on-site contact is for coordinators');
  t.is((await call(`${svc.url}/v1/tasks/${task.id}`, asHelper)).status, 404);
  t.is((await call(`${svc.url}/v1/checkins/hours?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&reason=test`, asHelper)).status, 403);
  t.is((await call(`${svc.url}/v1/checkins`, asHelper, 'POST', { siteId: site.id, code: 'AAAA-AAAA-AAAA' })).status, 403);
  t.is((await call(`${svc.url}/v1/checkins/me`, token)).status, 403, 'the helper view is for helpers');
});

test('a site lead checks helpers in and sees the site\'s load, and nothing else (403); a coordinator posts tasks', async (t) => {
  const lead = await siteLead();
  t.is((await call(`${svc.url}/v1/tasks`, lead, 'POST', taskBody(site.id))).status, 403, 'no posting tasks');
  t.is((await call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(site.id))).status, 201, 'a coordinator posts it');
  const task = await createTask();
  t.is((await patchTask(task.id, { version: 1, status: 'cancelled' }, lead)).status, 403);
  t.is((await call(`${svc.url}/v1/sites`, lead, 'POST', siteBody())).status, 403);
  t.is((await call(`${svc.url}/v1/sites?incidentId=flood-2026`, lead)).status, 403);
  t.is((await call(`${svc.url}/v1/sites/${site.id}`, lead)).status, 403);
  t.is((await call(`${svc.url}/v1/tasks?incidentId=flood-2026`, lead)).status, 403);
  t.is((await call(`${svc.url}/v1/tasks/${task.id}`, lead)).status, 403);
  t.is((await call(`${svc.url}/v1/checkins/hours?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&reason=test`, lead)).status, 403);
  t.like(await ok(call(`${svc.url}/v1/sites/${site.id}/load`, lead)), { siteId: site.id });
  // A code that decodes to no assignment of this site: refused by the check-in rules, not by the role.
  const checkin = await call(`${svc.url}/v1/checkins`, lead, 'POST', { siteId: site.id, code: 'AAAA-AAAA-AAAA' });
  t.not(checkin.status, 403);
  t.not(checkin.status, 401);
});

test('health, readiness, metrics and the OpenAPI document', async (t) => {
  t.is((await fetch(`${svc.url}/healthz`)).status, 200);
  t.is((await fetch(`${svc.url}/readyz`)).status, 200);
  t.regex(await (await fetch(`${svc.url}/metrics`)).text(), /outbox_backlog/);
  const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  for (const path of ['/v1/sites', '/v1/sites/{id}', '/v1/sites/{id}/load', '/v1/tasks', '/v1/tasks/{id}', '/v1/checkins', '/v1/checkins/checkout', '/v1/checkins/me', '/v1/checkins/hours']) {
    t.truthy(doc.paths[path], path);
  }
  t.truthy(doc.paths['/v1/tasks/{id}']?.patch);
});
