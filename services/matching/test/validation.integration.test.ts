import test from 'ava';
import { signToken } from '@kathelfer/common/testing/http';
import { badRequests, expectProblems } from '@kathelfer/common/testing/bad-requests';
import { startMatching, type Running } from './support/matching.js';

let svc: Running;
let authorization: string;
test.before(async () => {
  svc = await startMatching();
  authorization = `Bearer ${await signToken(['coordinator'])}`;
});
test.after.always(() => svc?.close());

type Case = [what: string, method: string, path: string, body: unknown, status: number, field?: string];

// Each bad input is a 4xx problem document (naming the field where there is one), never a 5xx.
const cases: Case[] = [
  ['a round for an event name that is no DNS label', 'POST', '/v1/matching/runs', { incidentId: 'Flut 2026!' }, 422, 'body.incidentId'],
  ['a round without an incident', 'POST', '/v1/matching/runs', {}, 422, 'body.incidentId'],
  ['a round with an unknown field', 'POST', '/v1/matching/runs', { incidentId: 'flood-2026', force: true }, 422, 'body'],
  ['a round for an event name with a NUL', 'POST', '/v1/matching/runs', { incidentId: 'flood\u00002026' }, 422, 'body.incidentId'],
  ['rounds without an incident', 'GET', '/v1/matching/runs', undefined, 422, 'query.incidentId'],
  ['rounds with limit 0', 'GET', '/v1/matching/runs?incidentId=flood-2026&limit=0', undefined, 422, 'query.limit'],
  ['assignments of neither a task nor an event', 'GET', '/v1/assignments', undefined, 422, 'query.taskId'],
  ['assignments with an unknown status', 'GET', '/v1/assignments?incidentId=flood-2026&status=done', undefined, 422, 'query.status'],
  ['assignments of a task id with a NUL', 'GET', '/v1/assignments?taskId=a%00b', undefined, 422, 'query.taskId'],
  ['cancelling an assignment id that is no uuid', 'POST', '/v1/assignments/1.0.000/cancel', undefined, 422, 'params.id'],
  ['cancelling an assignment that does not exist', 'POST', '/v1/assignments/8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00/cancel', undefined, 404],
];

test(`${cases.length} kinds of bad matching input each get a 4xx problem document`, async (t) => {
  for (const [what, method, path, body, status, field] of cases) {
    const response = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    t.is(response.status, status, what);
    t.is(response.headers.get('content-type'), 'application/problem+json', what);
    const problem = (await response.json()) as { errors?: Array<{ field: string }> };
    if (field !== undefined) t.true(problem.errors?.some((e) => e.field.startsWith(field)), `${what}: expected ${field} in ${JSON.stringify(problem.errors)}`);
  }
});

test('bodies, charsets, bytes and methods the parser must survive get a 4xx problem document, never a 5xx', async (t) => {
  await expectProblems(
    t,
    svc.url,
    badRequests({ bodyRoute: { method: 'POST', path: '/v1/matching/runs' }, validBody: { incidentId: 'flood-2026' }, textField: 'incidentId', getPath: '/v1/matching/runs' }),
    { authorization },
  );
});
