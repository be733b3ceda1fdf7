import test from 'ava';
import { signToken } from '@kathelfer/common/testing/http';
import { QueryTypes } from 'sequelize';
import { migrate, createSequelize } from '@kathelfer/common/db';
import { databaseUrl, uniqueName } from '@kathelfer/hack/test-env';
import { migrations } from '../src/migrations/index.js';
import { postJson, startRegistration, validBody, type Running } from './support/registration.js';

let svc: Running;

test.before(async () => {
  svc = await startRegistration();
});
test.after.always(async () => {
  await svc.close();
});

const consent = { version: '2026-01', purposes: ['coordination'] };

function rows<T extends object = Record<string, unknown>>(sql: string, bind: unknown[] = []): Promise<T[]> {
  return svc.registration.sequelize.query<T>(sql.replaceAll('$schema', `"${svc.schema}"`), { bind, type: QueryTypes.SELECT });
}

async function register(body = validBody()): Promise<{ id: string; token: string }> {
  const response = await postJson(`${svc.url}/v1/helpers`, body);
  if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; token: string };
}

function join(token: string, body: unknown): Promise<Response> {
  return postJson(`${svc.url}/v1/helpers/me/incidents`, body, { authorization: `Bearer ${token}` });
}

interface SelfView {
  incidentId: string | null;
  incidentIds: string[];
  incidents: Array<{ incidentId: string; consent: { version: string; purposes: string[]; consentedAt: string } }>;
}

test('a helper registered for one incident joins another from self-service: 201, consent per incident, helper.updated carries both', async (t) => {
  const helper = await register(validBody({ incidentId: 'ahr-2021' }));
  const response = await join(helper.token, { incidentId: 'erft-2021', consent });
  t.is(response.status, 201);
  t.is(response.headers.get('cache-control'), 'no-store');
  const view = (await response.json()) as SelfView;
  t.is(view.incidentId, 'ahr-2021', 'the incident of the registration stays');
  t.deepEqual(view.incidentIds, ['ahr-2021', 'erft-2021']);
  t.deepEqual(view.incidents.map((i) => [i.incidentId, i.consent.purposes]), [
    ['ahr-2021', ['coordination', 'future-incidents']],
    ['erft-2021', ['coordination']],
  ]);
  const me = (await (await fetch(`${svc.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${helper.token}` } })).json()) as SelfView;
  t.deepEqual(me.incidentIds, ['ahr-2021', 'erft-2021'], 'GET /v1/helpers/me shows both');
  const [event] = await rows<{ type: string; payload: { incidentIds: string[]; tokenHash: string } }>(
    `SELECT type, payload FROM $schema.outbox WHERE payload->>'helperId' = $1 ORDER BY seq DESC LIMIT 1`,
    [helper.id],
  );
  t.is(event?.type, 'helper.updated');
  t.deepEqual(event?.payload.incidentIds, ['ahr-2021', 'erft-2021']);
  t.regex(event?.payload.tokenHash ?? '', /^[0-9a-f]{64}$/, 'the same token works in every incident');
});

test('registering again through the appeal link of another incident answers 409 pointing to joining it from self-service', async (t) => {
  const body = validBody({ incidentId: 'saar-2024' });
  const helper = await register(body);
  const again = await postJson(`${svc.url}/v1/helpers`, { ...body, incidentId: 'bayern-2024' });
  t.is(again.status, 409);
  t.regex(again.headers.get('content-type') ?? '', /application\/problem\+json/);
  const problem = (await again.json()) as Record<string, string>;
  t.like(problem, { selfService: '/v1/helpers/me', joinIncident: '/v1/helpers/me/incidents', incidentId: 'bayern-2024' });
  t.regex(problem.hint ?? '', /bayern-2024/);
  t.deepEqual(
    await rows(`SELECT incident_id FROM $schema.helper_incidents WHERE helper_id = $1`, [helper.id]),
    [{ incident_id: 'saar-2024' }],
    'an e-mail address alone joins nobody anywhere',
  );
});

test('joining an incident one is available for already answers 200 and records the consent again, one membership', async (t) => {
  const helper = await register(validBody({ incidentId: 'elbe-2026' }));
  const response = await join(helper.token, { incidentId: 'elbe-2026', consent: { version: '2026-01', purposes: ['coordination', 'statistics-contact'] } });
  t.is(response.status, 200);
  const memberships = await rows<{ consent_purposes: string[] }>(`SELECT consent_purposes FROM $schema.helper_incidents WHERE helper_id = $1`, [helper.id]);
  t.deepEqual(memberships, [{ consent_purposes: ['coordination', 'statistics-contact'] }]);
});

test('two joins of the same incident at once leave one membership', async (t) => {
  const helper = await register(validBody({ incidentId: 'oder-2026' }));
  const responses = await Promise.all([1, 2, 3].map(() => join(helper.token, { incidentId: 'neisse-2026', consent })));
  t.deepEqual(responses.map((r) => r.status).sort(), [200, 200, 201]);
  const [row] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM $schema.helper_incidents WHERE helper_id = $1 AND incident_id = 'neisse-2026'`, [helper.id]);
  t.is(row?.n, 1);
});

test('an incident recorded as ended cannot be joined: 409', async (t) => {
  const helper = await register();
  await svc.registration.service.setIncident('mulde-2002', new Date(Date.now() - 3600 * 1000));
  const response = await join(helper.token, { incidentId: 'mulde-2002', consent });
  t.is(response.status, 409);
  t.regex(((await response.json()) as { detail: string }).detail, /has ended/);
});

test('joining takes the self-service token and consent to coordination; bad input is 4xx, never 5xx', async (t) => {
  const helper = await register();
  t.is((await postJson(`${svc.url}/v1/helpers/me/incidents`, { incidentId: 'x-1', consent })).status, 401);
  const bad: unknown[] = [
    {},
    { incidentId: 'Not A Name', consent },
    { incidentId: 'ok-1' },
    { incidentId: 'ok-1', consent: { version: '2026-01', purposes: ['statistics-contact'] } },
    { incidentId: 'ok-1', consent: { version: '1999-01', purposes: ['coordination'] } },
    { incidentId: 'ok-1', consent, extra: true },
  ];
  for (const body of bad) {
    const response = await join(helper.token, body);
    t.is(response.status, 422, JSON.stringify(body));
  }
});

test('the coordinators list finds a helper under every incident they joined', async (t) => {
  const helper = await register(validBody({ incidentId: 'isar-2026' }));
  t.is((await join(helper.token, { incidentId: 'inn-2026', consent })).status, 201);
  const coordinator = { authorization: `Bearer ${await signToken(['coordinator'])}` };
  for (const incident of ['isar-2026', 'inn-2026']) {
    const page = (await (await fetch(`${svc.url}/v1/helpers?incidentId=${incident}`, { headers: coordinator })).json()) as {
      items: Array<{ helperId: string; incidentIds: string[] }>;
    };
    t.deepEqual(page.items.map((i) => [i.helperId, i.incidentIds]), [[helper.id, ['isar-2026', 'inn-2026']]], incident);
  }
});

test('erasure removes every incident membership with its consent', async (t) => {
  const helper = await register(validBody({ incidentId: 'rhein-2026' }));
  await join(helper.token, { incidentId: 'mosel-2026', consent });
  const erased = await fetch(`${svc.url}/v1/helpers/me`, { method: 'DELETE', headers: { authorization: `Bearer ${helper.token}` } });
  t.is(erased.status, 204);
  t.deepEqual(await rows(`SELECT * FROM $schema.helper_incidents WHERE helper_id = $1`, [helper.id]), []);
  t.is((await join(helper.token, { incidentId: 'lahn-2026', consent })).status, 401, 'the token no longer joins anything');
});

test('retention keeps a helper while any incident they joined still runs, and erases them once all ended', async (t) => {
  const helper = await register(validBody({ incidentId: 'wave-one' }));
  await join(helper.token, { incidentId: 'wave-two', consent });
  const longAgo = new Date(Date.now() - 400 * 24 * 3600 * 1000);
  await svc.registration.service.setIncident('wave-one', longAgo);
  await svc.registration.service.applyRetention(30);
  t.deepEqual(await rows(`SELECT status FROM $schema.helpers WHERE id = $1`, [helper.id]), [{ status: 'active' }], 'wave-two still runs');
  await svc.registration.service.setIncident('wave-two', longAgo);
  await svc.registration.service.applyRetention(30);
  t.deepEqual(await rows(`SELECT status FROM $schema.helpers WHERE id = $1`, [helper.id]), [{ status: 'erased' }]);
  t.deepEqual(await rows(`SELECT * FROM $schema.helper_incidents WHERE helper_id = $1`, [helper.id]), []);
});

test('migration 0004 carries every active helper over with the consent they registered with, erased ones not', async (t) => {
  const schema = uniqueName('regmig').replace(/-/g, '_');
  const sequelize = createSequelize({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 2, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 10_000, DB_POOL_IDLE_MS: 1_000 });
  const insert = (status: string, incidentId: string | null) =>
    sequelize.query<{ id: string }>(
      `INSERT INTO "${schema}".helpers (id, incident_id, status, name, max_travel_km, availability, max_hours_per_day, adult_confirmed, consent_version, consent_purposes, consented_at)
       VALUES (gen_random_uuid(), $1, $2, 'x', 10, '[]'::jsonb, 8, true, '2026-01', '{coordination,future-incidents}', '2026-11-01T10:00:00Z') RETURNING id`,
      { bind: [incidentId, status], type: QueryTypes.SELECT },
    );
  try {
    await migrate(sequelize, databaseUrl(), schema, migrations.slice(0, 3));
    const [active] = await insert('active', 'ahr-2021');
    await insert('erased', 'ahr-2021');
    await insert('active', null);
    t.deepEqual(await migrate(sequelize, databaseUrl(), schema, migrations.slice(0, 4)), ['0004-helper-incidents']);
    const rows = await sequelize.query(`SELECT helper_id, incident_id, consent_version, consent_purposes, consented_at FROM "${schema}".helper_incidents`, {
      type: QueryTypes.SELECT,
    });
    t.deepEqual(rows, [
      { helper_id: active?.id, incident_id: 'ahr-2021', consent_version: '2026-01', consent_purposes: ['coordination', 'future-incidents'], consented_at: new Date('2026-11-01T10:00:00Z') },
    ]);
  } finally {
    await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sequelize.close();
  }
});
