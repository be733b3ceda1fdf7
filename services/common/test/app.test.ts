import test from 'ava';
import { pino } from 'pino';
import { z } from 'zod';
import { createServiceApp } from '../src/app.js';
import { createTokenVerifier, requireRole } from '../src/auth.js';
import { ConflictError, NotFoundError } from '../src/errors.js';
import { defineRoute } from '../src/routes.js';
import { json, listen, signToken, testAuthConfig, type Listening } from './support/http.js';

const verify = createTokenVerifier(testAuthConfig());
const item = z.object({ name: z.string().min(2), count: z.number().int().positive() });

const routes = [
  defineRoute({
    method: 'post',
    path: '/v1/items',
    summary: 'Create an item',
    body: item,
    responses: { 201: { description: 'created', schema: item } },
    handler: ({ body }) => Promise.resolve({ status: 201, body }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/items/:id',
    summary: 'Read an item',
    params: z.object({ id: z.uuid() }),
    handler: ({ params }) => {
      throw new NotFoundError(`No item ${params.id}.`);
    },
    responses: { 200: { description: 'the item' } },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/conflict',
    summary: 'Always a conflict',
    handler: () => Promise.reject(new ConflictError('taken')),
    responses: {},
  }),
  defineRoute({
    method: 'get',
    path: '/v1/boom',
    summary: 'A bug',
    handler: () => Promise.reject(new Error('secret internal detail')),
    responses: {},
  }),
  defineRoute({
    method: 'get',
    path: '/v1/authority',
    summary: 'Admins only',
    security: 'bearer',
    middleware: [requireRole(verify, 'authority')],
    handler: ({ ctx }) => Promise.resolve({ status: 200, body: { subject: ctx.state.principal?.subject } }),
    responses: { 200: { description: 'ok' } },
  }),
];

let server: Listening;
test.before(async () => {
  const { app } = createServiceApp({
    name: 'test',
    version: '1',
    logger: pino({ level: 'silent' }),
    routes,
    readiness: { always: () => Promise.resolve() },
    bodyLimitBytes: 1024,
  });
  server = await listen(app);
});
test.after.always(() => server.close());

const post = (body: string, type = 'application/json') =>
  fetch(`${server.url}/v1/items`, { method: 'POST', headers: { 'content-type': type }, body });

test('a valid body reaches the handler', async (t) => {
  const response = await post(JSON.stringify({ name: 'pump', count: 2 }));
  t.is(response.status, 201);
  t.deepEqual(await response.json(), { name: 'pump', count: 2 });
  t.truthy(response.headers.get('x-request-id'));
});

test('an invalid body is a 422 problem document naming each failing field', async (t) => {
  const response = await post(JSON.stringify({ name: 'x', count: -1 }));
  t.is(response.status, 422);
  t.is(response.headers.get('content-type'), 'application/problem+json');
  const problem = await json(response);
  t.is(problem.status, 422);
  t.deepEqual((problem.errors as Array<{ field: string }>).map((e) => e.field).sort(), ['body.count', 'body.name']);
});

test('a body that is not JSON is 415, broken JSON 400, a too large body 413', async (t) => {
  t.is((await post('name=x', 'application/x-www-form-urlencoded')).status, 415);
  t.is((await post('{"name":')).status, 400);
  t.is((await post(JSON.stringify({ name: 'x'.repeat(2000), count: 1 }))).status, 413);
});

test('domain errors map to their status: not found 404, conflict 409, bad path parameter 422', async (t) => {
  t.is((await fetch(`${server.url}/v1/items/6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11`)).status, 404);
  t.is((await fetch(`${server.url}/v1/items/not-a-uuid`)).status, 422);
  t.is((await fetch(`${server.url}/v1/conflict`)).status, 409);
  const unknown = await fetch(`${server.url}/nowhere`);
  t.is(unknown.status, 404);
  t.is((await json(unknown)).type, 'https://kathelfer.de/problems/not-found');
  t.is((await fetch(`${server.url}/v1/conflict`, { method: 'DELETE' })).status, 405);
});

test('a bug is a bare 500 without stack or message', async (t) => {
  const response = await fetch(`${server.url}/v1/boom`);
  t.is(response.status, 500);
  const text = await response.text();
  t.false(text.includes('secret internal detail'));
  t.false(text.includes('at '));
});

test('no token 401, wrong role 403, right role 200, forged token 401', async (t) => {
  t.is((await fetch(`${server.url}/v1/authority`)).status, 401);
  const coordinator = await signToken(['coordinator']);
  t.is((await fetch(`${server.url}/v1/authority`, { headers: { authorization: `Bearer ${coordinator}` } })).status, 403);
  const authority = await signToken(['authority'], { subject: 'a-1' });
  const ok = await fetch(`${server.url}/v1/authority`, { headers: { authorization: `Bearer ${authority}` } });
  t.is(ok.status, 200);
  t.deepEqual(await ok.json(), { subject: 'a-1' });
  const forged = await signToken(['authority'], { secret: 'another-secret-that-is-long-enough-0123456789' });
  t.is((await fetch(`${server.url}/v1/authority`, { headers: { authorization: `Bearer ${forged}` } })).status, 401);
});

test('the OpenAPI document lists every route with the schemas that validate it', async (t) => {
  const document = await json(await fetch(`${server.url}/openapi.json`));
  t.is(document.openapi, '3.1.0');
  const paths = document.paths as Record<string, Record<string, { requestBody?: unknown; security?: unknown }>>;
  const listed = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  for (const route of ['post /v1/items', 'get /v1/items/{id}', 'get /v1/authority', 'get /healthz', 'get /readyz', 'get /metrics', 'get /openapi.json']) {
    t.true(listed.includes(route), route);
  }
  t.like(paths['/v1/items']?.post?.requestBody, {
    content: { 'application/json': { schema: { required: ['name', 'count'] } } },
  });
  t.deepEqual(paths['/v1/authority']?.get?.security, [{ bearer: [] }]);
});

test('health, readiness and metrics answer; metrics carry request durations by route', async (t) => {
  t.is((await fetch(`${server.url}/healthz`)).status, 200);
  t.is((await fetch(`${server.url}/readyz`)).status, 200);
  await post(JSON.stringify({ name: 'pump', count: 1 }));
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  t.regex(metrics, /http_request_duration_seconds_count\{[^}]*method="POST",route="\/v1\/items",status="201"/);
});

test('readiness fails on a required dependency, reports a degradable one without failing, and fails while draining', async (t) => {
  const build = (required: boolean, degradable: boolean) =>
    createServiceApp({
      name: 'ready',
      version: '1',
      logger: pino({ level: 'silent' }),
      routes: [],
      readiness: { database: () => (required ? Promise.resolve() : Promise.reject(new Error('connection refused'))) },
      degradable: { redis: () => (degradable ? Promise.resolve() : Promise.reject(new Error('redis away'))) },
      bodyLimitBytes: 1024,
    });
  const down = await listen(build(false, true).app);
  const degraded = build(true, false);
  const up = await listen(degraded.app);
  try {
    const refused = await fetch(`${down.url}/readyz`);
    t.is(refused.status, 503);
    t.regex(String((await json(refused)).detail), /connection refused/);
    const partly = await fetch(`${up.url}/readyz`);
    t.is(partly.status, 200);
    t.like(await json(partly), { status: 'degraded', checks: { database: 'ok', redis: 'redis away' } });
    degraded.lifecycle.draining = true;
    const draining = await fetch(`${up.url}/readyz`);
    t.is(draining.status, 503);
    t.is(draining.headers.get('connection'), 'close');
  } finally {
    await down.close();
    await up.close();
  }
});
