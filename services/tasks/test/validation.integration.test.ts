import test from 'ava';
import { badRequests, expectProblems } from '@kathelfer/common/testing/bad-requests';
import { call, coordinator, ok, siteBody, startTasks, taskBody, type Running, type SiteView, type TaskView } from './support/tasks.js';

let svc: Running;
let token: string;
let site: SiteView;
let task: TaskView;

test.before(async () => {
  svc = await startTasks();
  token = await coordinator();
  site = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody()), 201);
  task = await ok<TaskView>(call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(site.id)), 201);
});
test.after.always(() => svc?.close());

type Case = [what: string, method: string, path: () => string, body: unknown, field: string];
const tasks = () => '/v1/tasks';
const sites = () => '/v1/sites';
const theTask = () => `/v1/tasks/${task.id}`;
const t0 = '2026-11-27T08:00:00Z';

// Each bad input must be a 422 problem document naming the failing field, never a 5xx.
const cases: Case[] = [
  ['task without a title', 'POST', tasks, { ...taskBody('x'), title: undefined }, 'body.title'],
  ['task title blank', 'POST', tasks, () => taskBody(site.id, { title: '   ' }), 'body.title'],
  ['task site not a uuid', 'POST', tasks, () => taskBody('site-1'), 'body.siteId'],
  ['task site unknown', 'POST', tasks, () => taskBody('8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00'), 'body.siteId'],
  ['task site of another incident', 'POST', tasks, () => taskBody(site.id, { incidentId: 'other-incident' }), 'body.siteId'],
  ['skill outside the vocabulary', 'POST', tasks, () => taskBody(site.id, { skills: ['juggling'] }), 'body.skills.0'],
  ['skill twice', 'POST', tasks, () => taskBody(site.id, { skills: ['boat', 'boat'] }), 'body.skills'],
  ['resource outside the vocabulary', 'POST', tasks, () => taskBody(site.id, { resources: ['helicopter'] }), 'body.resources.0'],
  ['headcount 0', 'POST', tasks, () => taskBody(site.id, { headcount: 0 }), 'body.headcount'],
  ['headcount fractional', 'POST', tasks, () => taskBody(site.id, { headcount: 2.5 }), 'body.headcount'],
  ['priority 6', 'POST', tasks, () => taskBody(site.id, { priority: 6 }), 'body.priority'],
  ['priority as text', 'POST', tasks, () => taskBody(site.id, { priority: 'high' }), 'body.priority'],
  ['shift ends before it starts', 'POST', tasks, () => taskBody(site.id, { shiftStart: '2026-11-27T12:00:00Z', shiftEnd: t0 }), 'body.shiftEnd'],
  ['shift longer than 24 h', 'POST', tasks, () => taskBody(site.id, { shiftStart: t0, shiftEnd: '2026-11-29T08:00:00Z' }), 'body.shiftEnd'],
  ['shift without time zone', 'POST', tasks, () => taskBody(site.id, { shiftStart: '2026-11-27T08:00:00' }), 'body.shiftStart'],
  ['shift with an offset PostgreSQL cannot hold (+16:00)', 'POST', tasks, () => taskBody(site.id, { shiftStart: '2026-12-01T00:00:00+16:00', shiftEnd: '2026-12-01T04:00:00+16:00' }), 'body.shiftStart'],
  ['shift in year 0', 'POST', tasks, () => taskBody(site.id, { shiftStart: '0000-12-01T00:00:00Z', shiftEnd: '0000-12-01T04:00:00Z' }), 'body.shiftStart'],
  ['task title of zero-width spaces', 'POST', tasks, () => taskBody(site.id, { title: '\u200b\u200b' }), 'body.title'],
  ['site name of a lone combining mark', 'POST', sites, siteBody({ name: '\u0301' }), 'body.name'],
  ['incident not a DNS label', 'POST', tasks, () => taskBody(site.id, { incidentId: 'Flut 2026!' }), 'body.incidentId'],
  ['unknown task field', 'POST', tasks, () => taskBody(site.id, { filledCount: 99 }), 'body'],
  ['task body an array', 'POST', tasks, () => [taskBody(site.id)], 'body'],
  ['site postal code of 4 digits', 'POST', sites, siteBody({ address: { postalCode: '1067', city: 'Dresden' } }), 'body.address.postalCode'],
  ['site latitude out of range', 'POST', sites, siteBody({ coordinates: { latitude: 95, longitude: 13 } }), 'body.coordinates.latitude'],
  ['site capacity 0', 'POST', sites, siteBody({ capacity: 0 }), 'body.capacity'],
  ['site contact phone is text', 'POST', sites, siteBody({ contact: { name: 'A', phone: 'call me' } }), 'body.contact.phone'],
  ['site without a meeting point', 'POST', sites, { ...siteBody(), meetingPoint: undefined }, 'body.meetingPoint'],
  ['patch that changes nothing', 'PATCH', theTask, { version: 1 }, 'body'],
  ['patch with version 0', 'PATCH', theTask, { version: 0, title: 'x' }, 'body.version'],
  ['patch to an unknown status', 'PATCH', theTask, { version: 1, status: 'done' }, 'body.status'],
  ['patch of a field that is not editable', 'PATCH', theTask, { version: 1, incidentId: 'other' }, 'body'],
  ['check-in code that cannot be a code', 'POST', () => '/v1/checkins', () => ({ siteId: site.id, code: 'hello' }), 'body.code'],
  ['check-in without a site', 'POST', () => '/v1/checkins', { code: 'AAAA-AAAA-AAAA' }, 'body.siteId'],
];

test(`${cases.length} kinds of bad input each get a 422 problem document naming the field`, async (t) => {
  t.true(cases.length >= 25);
  for (const [what, method, path, body, field] of cases) {
    const payload: unknown = typeof body === 'function' ? (body as () => unknown)() : body;
    const response = await call(`${svc.url}${path()}`, token, method, payload);
    t.is(response.status, 422, what);
    t.is(response.headers.get('content-type'), 'application/problem+json', what);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    t.true(problem.errors.some((e) => e.field.startsWith(field)), `${what}: expected ${field} in ${JSON.stringify(problem.errors)}`);
  }
});

test('bad queries, ids, headers and bodies are 4xx too — never a 5xx', async (t) => {
  const get = (path: string) => call(`${svc.url}${path}`, token);
  t.is((await get('/v1/tasks')).status, 422, 'the open-task query needs an incident');
  t.is((await get('/v1/tasks?incidentId=flood-2026&area=01')).status, 422, 'an area of 2 digits');
  t.is((await get('/v1/tasks?incidentId=flood-2026&maxPriority=0')).status, 422);
  t.is((await get('/v1/tasks?incidentId=flood-2026&limit=100000')).status, 422);
  t.is((await get('/v1/tasks?incidentId=flood-2026&cursor=garbage')).status, 400, 'a cursor that does not decode');
  t.is((await get('/v1/tasks?incidentId=flood-2026&sort=title')).status, 422, 'an unknown query parameter');
  t.is((await get('/v1/tasks/not-a-uuid')).status, 422);
  t.is((await get('/v1/tasks/8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00')).status, 404);
  t.is((await get('/v1/sites/8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00/load')).status, 404);
  t.is((await get('/v1/checkins/hours?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z&reason=audit')).status, 422, 'a range that ends before it starts');
  t.is((await get('/v1/checkins/hours?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z')).status, 422, 'reading the check-in log needs a reason');
  t.is((await call(`${svc.url}${theTask()}`, token, 'PATCH', { title: 'x' }, { 'if-match': 'yesterday' })).status, 422, 'an If-Match that is no ETag');
  const raw = (body: string, type = 'application/json') => fetch(`${svc.url}/v1/tasks`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
  t.is((await raw('{"title": ')).status, 400);
  t.is((await raw('title=x', 'application/x-www-form-urlencoded')).status, 415);
  t.is((await raw(JSON.stringify(taskBody(site.id, { briefing: 'x'.repeat(100_000) })))).status, 413);
  t.is((await call(`${svc.url}/v1/tasks`, token, 'DELETE')).status, 405);
  t.is((await get('/v1/nothing-here')).status, 404);
});

test('an opaque cursor is validated whole: one that does not decode is a 400, never a 500 (cursor=1.0.000…)', async (t) => {
  const get = (cursor: string) => call(`${svc.url}/v1/tasks?incidentId=flood-2026&cursor=${encodeURIComponent(cursor)}`, token);
  const zeros = await get('1.0.000000000000000000000000000000000000');
  t.is(zeros.status, 400);
  t.like(await zeros.json(), { type: 'https://kathelfer.de/problems/bad-request', errors: [{ field: 'query.cursor' }] });
  const encode = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
  t.is((await get(encode([1, 0, '00000000-0000-0000-0000-00000000000']))).status, 400, 'an id one digit short');
  t.is((await get(encode([1, 9e99, '8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00']))).status, 400, 'a time no timestamp holds');
  t.is((await get(encode([0, 0, '8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00']))).status, 400, 'priority 0');
  t.is((await get(encode({ priority: 1 }))).status, 400, 'not a tuple');
  t.is((await get('%%%')).status, 400, 'not base64url');
  t.is((await get(encode([1, 0, '8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00']))).status, 200, 'a well-formed cursor');
});

test('bodies, charsets, bytes and methods the parser must survive get a 4xx problem document, never a 5xx', async (t) => {
  await expectProblems(
    t,
    svc.url,
    badRequests({ bodyRoute: { method: 'POST', path: '/v1/tasks' }, validBody: taskBody(site.id), textField: 'title', getPath: '/v1/tasks' }),
    { authorization: `Bearer ${token}` },
  );
});
