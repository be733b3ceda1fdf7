/**
 * Normalise, then validate (issue 13): what people type on phones and foreign keyboards registers,
 * and the duplicate check sees one person however they typed it — and two people sharing a phone
 * as two.
 */
import test from 'ava';
import { migrate, createSequelize } from '@kathelfer/common/db';
import { databaseUrl, uniqueName } from '@kathelfer/hack/test-env';
import { QueryTypes } from 'sequelize';
import { initial } from '../src/migrations/0001-initial.js';
import { personNotPhone } from '../src/migrations/0002-person-not-phone.js';
import { migrations } from '../src/migrations/index.js';
import { postJson, startRegistration, validBody, type Running } from './support/registration.js';

let svc: Running;
test.before(async () => {
  svc = await startRegistration();
});
test.after.always(() => svc.close());

const register = (body: Record<string, unknown>) => postJson(`${svc.url}/v1/helpers`, body);

async function stored(id: string): Promise<{ name: string; email: string | null; phone_e164: string | null }> {
  const [row] = await svc.registration.sequelize.query<{ name: string; email: string | null; phone_e164: string | null }>(
    `SELECT name, email, phone_e164 FROM "${svc.schema}".helpers WHERE id = $1`,
    { bind: [id], type: QueryTypes.SELECT },
  );
  if (row === undefined) throw new Error(`no helper ${id}`);
  return row;
}

async function selfView(token: string): Promise<{ name: string; contact: { email: string | null } }> {
  return (await (await fetch(`${svc.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { name: string; contact: { email: string | null } };
}

test('an e-mail with a leading and a trailing space (phone autofill) registers: 201, stored without them', async (t) => {
  const body = validBody();
  const email = String((body.contact as { email: string }).email);
  const response = await register({ ...body, contact: { email: ` ${email.toUpperCase()} ` } });
  t.is(response.status, 201);
  const { id } = (await response.json()) as { id: string };
  t.is((await stored(id)).email, email);
});

test('an e-mail at an umlaut domain registers, is stored in ASCII (punycode) form and shown in Unicode; its punycode spelling is the same person', async (t) => {
  const first = await register(validBody({ contact: { email: 'info@bäckerei-müller-beispiel.de' } }));
  t.is(first.status, 201);
  const created = (await first.json()) as { id: string; token: string };
  t.is((await stored(created.id)).email, 'info@xn--bckerei-mller-beispiel-04b89c.de');
  t.is((await selfView(created.token)).contact.email, 'info@bäckerei-müller-beispiel.de');
  const again = await register(validBody({ contact: { email: 'Info@XN--BCKEREI-MLLER-BEISPIEL-04B89C.DE' } }));
  t.is(again.status, 409, 'the punycode spelling of the same address');
  const upper = await register(validBody({ contact: { email: 'info@BÄCKEREI-MÜLLER-BEISPIEL.de' } }));
  t.is(upper.status, 409, 'the upper-case Unicode spelling');
});

test('two people sharing one landline both register (201, 201); the same name on that phone again is one person (409)', async (t) => {
  const landline = '+49 351 4123456';
  const anna = await register(validBody({ name: 'Anna Beispiel', contact: { phone: landline } }));
  const bernd = await register(validBody({ name: 'Bernd Beispiel', contact: { phone: '0351 4123456' } }));
  t.is(anna.status, 201);
  t.is(bernd.status, 201, 'a family member on the same phone is another person');
  const annaAgain = await register(validBody({ name: 'anna  beispiel', contact: { phone: '0351/4123456' } }));
  t.is(annaAgain.status, 409);
  t.like(await annaAgain.json(), { selfService: '/v1/helpers/me' });
});

test('a name typed decomposed (NFD) is stored composed (NFC), so both spellings on one phone are one person', async (t) => {
  const decomposed = 'Jo\u0308rg Mu\u0308ller';
  const composed = 'J\u00f6rg M\u00fcller';
  const phone = '+49 30 9012345';
  const first = await register(validBody({ name: decomposed, contact: { phone } }));
  t.is(first.status, 201);
  const { id } = (await first.json()) as { id: string };
  t.is((await stored(id)).name, composed);
  t.is((await register(validBody({ name: composed, contact: { phone } }))).status, 409);
});

test('migration 0002 on a table from 0001 brings names to NFC, keeps every row, and lets a family share a phone', async (t) => {
  const schema = uniqueName('regmig').replace(/-/g, '_');
  const sequelize = createSequelize({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 2, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 10_000, DB_POOL_IDLE_MS: 1_000 });
  try {
    await migrate(sequelize, databaseUrl(), schema, [initial]);
    await sequelize.query(
      `INSERT INTO "${schema}".helpers (id, name, phone_e164, email, max_travel_km, availability, max_hours_per_day, adult_confirmed, consent_version, consent_purposes, consented_at)
       VALUES (gen_random_uuid(), 'Jo\u0308rg', '+493514123456', NULL, 10, '[]', 8, true, '2026-01', '{coordination}', now())`,
    );
    t.deepEqual(await migrate(sequelize, databaseUrl(), schema, [initial, personNotPhone]), ['0002-person-not-phone']);
    const names = await sequelize.query<{ name: string }>(`SELECT name FROM "${schema}".helpers`, { type: QueryTypes.SELECT });
    t.deepEqual(names, [{ name: 'J\u00f6rg' }]);
    await sequelize.query(
      `INSERT INTO "${schema}".helpers (id, name, phone_e164, max_travel_km, availability, max_hours_per_day, adult_confirmed, consent_version, consent_purposes, consented_at)
       VALUES (gen_random_uuid(), 'Ute', '+493514123456', 10, '[]', 8, true, '2026-01', '{coordination}', now())`,
    );
    const duplicate = await t.throwsAsync<Error & { parent?: { constraint?: string } }>(
      sequelize.query(
        `INSERT INTO "${schema}".helpers (id, name, phone_e164, max_travel_km, availability, max_hours_per_day, adult_confirmed, consent_version, consent_purposes, consented_at)
         VALUES (gen_random_uuid(), 'JÖRG', '+493514123456', 10, '[]', 8, true, '2026-01', '{coordination}', now())`,
      ),
    );
    t.is(duplicate?.parent?.constraint, 'helpers_phone_name_unique', 'the same name (case aside) on the same phone');
  } finally {
    await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sequelize.close();
  }
});

test('migration 0003 rewrites stored windows PostgreSQL cannot cast (+16:00, year 0), so the availableAt search works again', async (t) => {
  const schema = uniqueName('regmig').replace(/-/g, '_');
  const sequelize = createSequelize({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 2, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 10_000, DB_POOL_IDLE_MS: 1_000 });
  const insert = (name: string, availability: unknown) =>
    sequelize.query(
      `INSERT INTO "${schema}".helpers (id, name, phone_e164, max_travel_km, availability, max_hours_per_day, adult_confirmed, consent_version, consent_purposes, consented_at)
       VALUES (gen_random_uuid(), $1, NULL, 10, $2::jsonb, 8, true, '2026-01', '{coordination}', now())`,
      { bind: [name, JSON.stringify(availability)] },
    );
  const search = () =>
    sequelize.query<{ name: string }>(
      `SELECT name FROM "${schema}".helpers WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(availability) w
         WHERE (w->>'from')::timestamptz <= $1::timestamptz AND (w->>'to')::timestamptz > $1::timestamptz) ORDER BY name`,
      { bind: ['2026-11-30T12:00:00Z'], type: QueryTypes.SELECT },
    );
  try {
    await migrate(sequelize, databaseUrl(), schema, [initial, personNotPhone]);
    await insert('legacy', [
      { from: '2026-12-01T00:00:00+16:00', to: '2026-12-01T08:00:00+16:00' },
      { from: '0000-01-01T00:00:00Z', to: '0000-01-01T02:00:00Z' },
    ]);
    await insert('fine', [{ from: '2026-11-30T09:00:00+01:00', to: '2026-11-30T18:00:00+01:00' }]);
    await t.throwsAsync(search(), { message: /time zone displacement out of range/ }, 'one legacy row breaks the search for everyone');
    // Up to 0003 only: later migrations have tests of their own.
    t.deepEqual(await migrate(sequelize, databaseUrl(), schema, migrations.slice(0, 3)), ['0003-availability-postgres-can-compare']);
    const rows = await sequelize.query<{ name: string; availability: unknown }>(`SELECT name, availability FROM "${schema}".helpers ORDER BY name`, { type: QueryTypes.SELECT });
    t.deepEqual(rows, [
      { name: 'fine', availability: [{ from: '2026-11-30T09:00:00+01:00', to: '2026-11-30T18:00:00+01:00' }] },
      { name: 'legacy', availability: [{ from: '2026-11-30T08:00:00.000Z', to: '2026-11-30T16:00:00.000Z' }] },
    ]);
    t.deepEqual(await search(), [{ name: 'fine' }, { name: 'legacy' }]);
  } finally {
    await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sequelize.close();
  }
});
