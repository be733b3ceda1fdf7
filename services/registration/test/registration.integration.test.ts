import test from 'ava';
import { createClient } from 'redis';
import { redisUrl, eventually } from '@kathelfer/hack/test-env';
import { signToken } from '@kathelfer/common/testing/http';
import { QueryTypes } from 'sequelize';
import { schemaOf } from '@kathelfer/contracts';
import { postJson, startRegistration, testEnv, validBody, type Running } from './support/registration.js';

let svc: Running;
const redis = createClient({ url: redisUrl() });

test.before(async () => {
  svc = await startRegistration();
  await redis.connect();
});
test.after.always(async () => {
  await svc.close();
  await redis.quit();
});

interface Created {
  id: string;
  token: string;
  selfService: string;
}

async function register(body = validBody(), headers: Record<string, string> = {}): Promise<Created> {
  const response = await postJson(`${svc.url}/v1/helpers`, body, headers);
  if (response.status !== 201) throw new Error(`expected 201, got ${response.status}: ${await response.text()}`);
  return (await response.json()) as Created;
}

const asHelper = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
});

async function rows(sql: string, bind: unknown[] = []) {
  return svc.registration.sequelize.query<Record<string, unknown>>(sql.replaceAll('$schema', `"${svc.schema}"`), { bind, type: QueryTypes.SELECT });
}

async function eventsFor(helperId: string): Promise<Array<{ id: string; type: string; version: number; payload: Record<string, unknown> }>> {
  const entries = await redis.xRange(`${svc.prefix}events:registration`, '-', '+');
  return (entries ?? [])
    .map((e) => ({
      id: e.message.id ?? '',
      type: e.message.type ?? '',
      version: Number(e.message.version),
      payload: JSON.parse(e.message.payload ?? '{}') as Record<string, unknown>,
    }))
    .filter((e) => e.payload.helperId === helperId);
}

test('round trip: register, read and change my data with the token; events carry no name or contact', async (t) => {
  const body = validBody({ skills: ['interpreting', 'first-aid'], languages: ['uk', 'ar'] });
  const created = await register(body);
  t.regex(created.id, /^[0-9a-f-]{36}$/);
  t.true(created.token.startsWith('kh_'));
  t.is(created.selfService, '/v1/helpers/me');

  const me = await fetch(`${svc.url}/v1/helpers/me`, asHelper(created.token));
  t.is(me.status, 200);
  t.is(me.headers.get('cache-control'), 'no-store', 'personal data is not cached');
  const view = (await me.json()) as Record<string, unknown>;
  t.like(view, { helperId: created.id, name: body.name, contact: { phone: (body.contact as { phone: string }).phone }, languages: ['uk', 'ar'] });

  const patch = await fetch(`${svc.url}/v1/helpers/me`, asHelper(created.token, { method: 'PATCH', body: JSON.stringify({ paused: true, maxHoursPerDay: 4 }) }));
  t.is(patch.status, 200);
  t.like(await patch.json(), { paused: true, maxHoursPerDay: 4 });

  const events = await eventually('registered and updated events', async () => {
    const found = await eventsFor(created.id);
    return found.length >= 2 ? found : undefined;
  });
  t.deepEqual(events.map((e) => e.type), ['helper.registered', 'helper.updated']);
  t.not(events[0]?.id, events[1]?.id);
  for (const event of events) {
    // what the consumers (matching, tasks) parse this published entry with
    t.true(schemaOf('registration', event.type, event.version)?.safeParse(event.payload).success, `${event.type} v${event.version} keeps the contract`);
    const text = JSON.stringify(event.payload);
    t.false(text.includes(body.name as string), 'no name on the bus');
    t.false(text.includes('+49151'), 'no phone on the bus');
    t.false(text.includes('@example.org'), 'no e-mail on the bus');
    t.like(event.payload, { area: { postalArea: '010', latitude: 51.05, longitude: 13.74 } });
  }
  const [stored] = await rows('SELECT token_hash FROM $schema.helpers WHERE id = $1', [created.id]);
  t.not(stored?.token_hash, created.token, 'only the hash of the token is stored');
  t.regex(String(stored?.token_hash), /^[0-9a-f]{64}$/);
  t.deepEqual(events.map((e) => e.payload.tokenHash), [stored?.token_hash, stored?.token_hash], 'matching verifies helpers by the token hash');
  const listed = await fetch(`${svc.url}/v1/helpers?incidentId=flood-2026`, { headers: { authorization: `Bearer ${await signToken(['coordinator'])}` } });
  t.false(JSON.stringify(await listed.json()).includes(String(stored?.token_hash)), 'coordinators never see the token hash');
});

test('the same person registering again, with the phone written differently, gets 409 and a pointer to self-service', async (t) => {
  const body = validBody();
  await register(body);
  const phone = (body.contact as { phone: string }).phone.replace('+49', '0');
  const again = await postJson(`${svc.url}/v1/helpers`, validBody({ name: ` ${String(body.name).toUpperCase()} `, contact: { phone } }));
  t.is(again.status, 409);
  t.like(await again.json(), { status: 409, selfService: '/v1/helpers/me' });
  const byEmail = await postJson(`${svc.url}/v1/helpers`, validBody({ contact: { email: (body.contact as { email: string }).email.toUpperCase() } }));
  t.is(byEmail.status, 409);
  const [count] = await rows('SELECT count(*)::int AS n FROM $schema.helpers WHERE phone_e164 = $1', [(body.contact as { phone: string }).phone]);
  t.is(count?.n, 1);
});

test('retries with one Idempotency-Key, sequential and concurrent, give the first response and exactly one record', async (t) => {
  const body = validBody();
  const headers = { 'idempotency-key': `retry-${Date.now()}-${Math.random()}` };
  const responses = await Promise.all(Array.from({ length: 5 }, () => postJson(`${svc.url}/v1/helpers`, body, headers)));
  const later = await postJson(`${svc.url}/v1/helpers`, body, headers);
  const all = [...responses, later];
  t.deepEqual(all.map((r) => r.status), [201, 201, 201, 201, 201, 201]);
  const bodies = (await Promise.all(all.map((r) => r.json()))) as Created[];
  t.is(new Set(bodies.map((b) => b.id)).size, 1);
  t.is(new Set(bodies.map((b) => b.token)).size, 1, 'the retry gets the same, working token');
  const [count] = await rows('SELECT count(*)::int AS n FROM $schema.helpers WHERE name = $1', [body.name]);
  t.is(count?.n, 1);
  const [outbox] = await rows(`SELECT count(*)::int AS n FROM $schema.outbox WHERE payload->>'helperId' = $1`, [bodies[0]?.id]);
  t.is(outbox?.n, 1, 'one event');
  const reused = await postJson(`${svc.url}/v1/helpers`, validBody(), headers);
  t.is(reused.status, 422, 'the key with another body is refused');
  t.is((await fetch(`${svc.url}/v1/helpers/me`, asHelper(bodies[0]?.token ?? ''))).status, 200);
});

test('erasure removes name, contact and exact location from the row, logs it, ends the token and tells other services', async (t) => {
  const body = validBody();
  const created = await register(body, { 'idempotency-key': `erase-${Date.now()}` });
  await eventually('helper.registered published', async () => ((await eventsFor(created.id)).length > 0 ? true : undefined));
  const erased = await fetch(`${svc.url}/v1/helpers/me`, asHelper(created.token, { method: 'DELETE' }));
  t.is(erased.status, 204);

  const [row] = await rows('SELECT * FROM $schema.helpers WHERE id = $1', [created.id]);
  t.like(row, { status: 'erased', name: null, phone_e164: null, email: null, postal_code: null, latitude: null, longitude: null, coarse_latitude: null, token_hash: null });
  t.deepEqual(row?.skills, ['first-aid', 'chainsaw'], 'statistics keep the skills');
  const everything = JSON.stringify(await rows(`SELECT h.*, (SELECT json_agg(i) FROM $schema.idempotency_keys i) AS idem FROM $schema.helpers h WHERE id = $1`, [created.id]));
  t.false(everything.includes(body.name as string));
  t.false(everything.includes((body.contact as { email: string }).email));
  const log = await rows('SELECT reason FROM $schema.deletion_log WHERE helper_id = $1', [created.id]);
  t.deepEqual(log, [{ reason: 'self-service' }]);
  const left = await rows(`SELECT type FROM $schema.outbox WHERE payload->>'helperId' = $1 AND type <> 'helper.erased' AND sent_at IS NOT NULL`, [created.id]);
  t.deepEqual(left, [], 'published events with the coarse location are gone from the outbox');
  t.is((await fetch(`${svc.url}/v1/helpers/me`, asHelper(created.token))).status, 401);
  const erasure = await eventually('helper.erased event', async () => (await eventsFor(created.id)).find((e) => e.type === 'helper.erased'));
  t.true(schemaOf('registration', erasure.type, erasure.version)?.safeParse(erasure.payload).success, 'helper.erased keeps the contract');
  t.is((await postJson(`${svc.url}/v1/helpers`, body)).status, 201, 'the person may register anew');
});

test('a change racing an erasure never brings data back nor follows the erasure on the bus', async (t) => {
  for (let round = 0; round < 5; round++) {
    const created = await register();
    const [patched, erased] = await Promise.all([
      fetch(`${svc.url}/v1/helpers/me`, asHelper(created.token, { method: 'PATCH', body: JSON.stringify({ maxTravelKm: 99, availability: [{ from: '2026-12-01T08:00:00Z', to: '2026-12-01T12:00:00Z' }] }) })),
      fetch(`${svc.url}/v1/helpers/me`, asHelper(created.token, { method: 'DELETE' })),
    ]);
    t.is(erased.status, 204);
    t.true([200, 401, 404].includes(patched.status), `PATCH answered ${patched.status}`);
    const [row] = await rows('SELECT status, availability FROM $schema.helpers WHERE id = $1', [created.id]);
    t.deepEqual(row, { status: 'erased', availability: [] });
    const types = await rows(`SELECT type FROM $schema.outbox WHERE payload->>'helperId' = $1 ORDER BY seq DESC LIMIT 1`, [created.id]);
    t.deepEqual(types, [{ type: 'helper.erased' }]);
  }
});

test('coordinators find helpers by skill, area and time, without contact details; contact needs a reason and is logged', async (t) => {
  const incidentId = `search-${Date.now()}`;
  const match = await register(validBody({ incidentId, skills: ['boat'], location: { postalCode: '01069', coordinates: { latitude: 51.04, longitude: 13.73 } } }));
  await register(validBody({ incidentId, skills: ['cooking'] }));
  await register(validBody({ incidentId, skills: ['boat'], location: { postalCode: '80331', coordinates: { latitude: 48.137, longitude: 11.575 } } }));
  const coordinator = { authorization: `Bearer ${await signToken(['coordinator'], { subject: 'coord-7' })}` };

  const query = `incidentId=${incidentId}&skill=boat&near=51.05,13.74&radiusKm=10&availableAt=2026-11-27T12:00:00Z`;
  const list = await fetch(`${svc.url}/v1/helpers?${query}`, { headers: coordinator });
  t.is(list.status, 200);
  const page = (await list.json()) as { items: Array<Record<string, unknown>>; nextOffset: number | null };
  t.deepEqual(page.items.map((i) => i.helperId), [match.id]);
  t.false(JSON.stringify(page).includes('@example.org'));
  t.false(JSON.stringify(page).includes('Helper '));
  const first = (await (await fetch(`${svc.url}/v1/helpers?incidentId=${incidentId}&limit=2`, { headers: coordinator })).json()) as { items: unknown[]; nextOffset: number | null };
  t.is(first.items.length, 2);
  t.is(first.nextOffset, 2);
  const rest = (await (await fetch(`${svc.url}/v1/helpers?incidentId=${incidentId}&limit=2&offset=2`, { headers: coordinator })).json()) as { items: unknown[]; nextOffset: number | null };
  t.deepEqual([rest.items.length, rest.nextOffset], [1, null]);
  const byArea = (await (await fetch(`${svc.url}/v1/helpers?incidentId=${incidentId}&postalArea=80`, { headers: coordinator })).json()) as { items: unknown[] };
  t.is(byArea.items.length, 1);
  const outside = (await (await fetch(`${svc.url}/v1/helpers?incidentId=${incidentId}&availableAt=2026-11-28T12:00:00Z`, { headers: coordinator })).json()) as { items: unknown[] };
  t.is(outside.items.length, 0);

  t.is((await fetch(`${svc.url}/v1/helpers/${match.id}/contact`, { headers: coordinator })).status, 422, 'a reason is required');
  const contact = await fetch(`${svc.url}/v1/helpers/${match.id}/contact?reason=boat%20rescue%20Elbe`, { headers: coordinator });
  t.is(contact.status, 200);
  t.regex(String(((await contact.json()) as { phone: string }).phone), /^\+49151/);
  const log = await rows('SELECT subject, reason FROM $schema.contact_access_log WHERE helper_id = $1', [match.id]);
  t.deepEqual(log, [{ subject: 'coord-7', reason: 'boat rescue Elbe' }]);
});

test('no token is 401 and a token without the coordinator role 403, for search and contact', async (t) => {
  const someone = '6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11';
  t.is((await fetch(`${svc.url}/v1/helpers`)).status, 401);
  t.is((await fetch(`${svc.url}/v1/helpers/${someone}/contact?reason=test`)).status, 401);
  const stranger = { authorization: `Bearer ${await signToken([])}` };
  t.is((await fetch(`${svc.url}/v1/helpers`, { headers: stranger })).status, 403);
  t.is((await fetch(`${svc.url}/v1/helpers/${someone}/contact?reason=test`, { headers: stranger })).status, 403);
  const coordinator = { authorization: `Bearer ${await signToken(['coordinator'])}` };
  t.is((await fetch(`${svc.url}/v1/incidents/flood`, { method: 'PUT', headers: { ...coordinator, 'content-type': 'application/json' }, body: '{"endedAt":null}' })).status, 403);
  const helper = await register();
  t.is((await fetch(`${svc.url}/v1/helpers`, { headers: { authorization: `Bearer ${helper.token}` } })).status, 401, 'a helper token is no coordinator JWT');
  t.is((await fetch(`${svc.url}/v1/helpers/me`, { headers: { authorization: 'Bearer kh_not-a-token' } })).status, 401);
});

test('retention anonymizes the helpers of incidents that ended longer ago than the retention period, and only those', async (t) => {
  const ended = `ended-${Date.now()}`;
  const running = `running-${Date.now()}`;
  const old = await register(validBody({ incidentId: ended }));
  const current = await register(validBody({ incidentId: running }));
  const admin = { authorization: `Bearer ${await signToken(['admin'])}`, 'content-type': 'application/json' };
  const endedAt = new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString();
  t.is((await fetch(`${svc.url}/v1/incidents/${ended}`, { method: 'PUT', headers: admin, body: JSON.stringify({ endedAt }) })).status, 204);
  t.is((await fetch(`${svc.url}/v1/incidents/${running}`, { method: 'PUT', headers: admin, body: JSON.stringify({ endedAt: null }) })).status, 204);

  t.is(await svc.registration.service.applyRetention(30), 1);
  const [oldRow] = await rows('SELECT status, name, phone_e164 FROM $schema.helpers WHERE id = $1', [old.id]);
  t.deepEqual(oldRow, { status: 'erased', name: null, phone_e164: null });
  const [currentRow] = await rows('SELECT status FROM $schema.helpers WHERE id = $1', [current.id]);
  t.is(currentRow?.status, 'active');
  t.deepEqual(await rows('SELECT reason FROM $schema.deletion_log WHERE helper_id = $1', [old.id]), [{ reason: 'retention' }]);
  t.is(await svc.registration.service.applyRetention(30), 0, 'a second run finds nothing more');
});

test('registrations over the per-IP limit get 429 with Retry-After, shared through Redis', async (t) => {
  const env = testEnv({ RATE_LIMIT_REGISTRATIONS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
  const limited = await startRegistration(env);
  try {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const response = await postJson(`${limited.url}/v1/helpers`, validBody());
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    t.deepEqual(statuses, [201, 201, 201, 429, 429]);
    t.truthy(retryAfter);
    t.true(Number(retryAfter) >= 1 && Number(retryAfter) <= 60);
    // Every counter expires with its window: a limit never outlives it, and Redis keeps no litter.
    const { redis, config } = limited.registration;
    const keys = await redis.keys(`${config.REDIS_PREFIX}ratelimit:registration:address:*`);
    t.true(keys.length >= 1);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      t.true(ttl > 0 && ttl <= 61, `${key} expires in ${ttl} s`);
    }
  } finally {
    await limited.close();
  }
});

test('the OpenAPI document describes every mounted route', async (t) => {
  const document = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  t.is(document.openapi, '3.1.0');
  for (const route of svc.registration.routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    t.truthy(document.paths[path]?.[route.method], `${route.method} ${path}`);
  }
  t.true(svc.registration.routes.length >= 11);
  t.truthy(document.paths['/v1/helpers']?.post);
});

test('readiness reports database and Redis, and metrics expose the outbox backlog and the pool', async (t) => {
  const ready = await fetch(`${svc.url}/readyz`);
  t.is(ready.status, 200);
  t.like(await ready.json(), { checks: { database: 'ok', redis: 'ok' } });
  const metrics = await (await fetch(`${svc.url}/metrics`)).text();
  t.regex(metrics, /^outbox_backlog\{[^}]*\} \d+/m);
  t.regex(metrics, /^db_pool_connections\{[^}]*\} \d+/m);
  t.regex(metrics, /http_request_duration_seconds_bucket\{[^}]*route="\/v1\/helpers"/);
});
