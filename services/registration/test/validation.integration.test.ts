import test from 'ava';
import { signToken } from '@kathelfer/common/testing/http';
import { badRequests, expectProblems } from '@kathelfer/common/testing/bad-requests';
import { postJson, startRegistration, validBody, type Running } from './support/registration.js';

let svc: Running;
test.before(async () => {
  svc = await startRegistration();
});
test.after.always(() => svc.close());

type Case = [what: string, body: unknown, field?: string];
const valid = () => validBody();
const without = (key: string) => {
  const body = valid();
  delete body[key];
  return body;
};

// Each bad input must be a 4xx problem document naming the failing field, never a 5xx.
const cases: Case[] = [
  ['name missing', without('name'), 'body.name'],
  ['name empty', validBody({ name: '   ' }), 'body.name'],
  ['name too long', validBody({ name: 'x'.repeat(201) }), 'body.name'],
  // Normalise, then validate (issue 13): a name must hold something visible.
  ['name of zero-width spaces', validBody({ name: '\u200b\u200b' }), 'body.name'],
  ['name of Hangul fillers', validBody({ name: '\u3164\u3164' }), 'body.name'],
  ['name of a lone combining mark', validBody({ name: '\u0301' }), 'body.name'],
  ['name of ideographic and no-break spaces', validBody({ name: '\u3000\u00a0' }), 'body.name'],
  ['name of a word joiner and a soft hyphen', validBody({ name: '\u2060\u00ad' }), 'body.name'],
  ['name with a lone surrogate', validBody({ name: 'Anna\ud800' }), 'body.name'],
  // PostgreSQL cannot store U+0000: refused with the field named, not a failed INSERT (a 500).
  ['name with a NUL character', validBody({ name: 'Anna\u0000Beispiel' }), 'body.name'],
  ['consent version with a NUL character', validBody({ consent: { version: '2026\u0000', purposes: ['coordination'] } }), 'body.consent.version'],
  ['no contact at all', validBody({ contact: {} }), 'body.contact'],
  ['phone not a number', validBody({ contact: { phone: '12ab' } }), 'body.contact.phone'],
  ['phone too short to exist', validBody({ contact: { phone: '+49 12' } }), 'body.contact.phone'],
  ['e-mail malformed', validBody({ contact: { email: 'not-an-email' } }), 'body.contact.email'],
  ['e-mail at a domain IDNA refuses', validBody({ contact: { email: 'a@xn--a.de' } }), 'body.contact.email'],
  ['e-mail without a top-level domain', validBody({ contact: { email: 'a@localhost' } }), 'body.contact.email'],
  ['availability with an offset PostgreSQL cannot hold (+16:00)', validBody({ availability: [{ from: '2026-12-01T00:00:00+16:00', to: '2026-12-01T08:00:00+16:00' }] }), 'body.availability.0.from'],
  ['availability in year 0', validBody({ availability: [{ from: '0000-12-01T00:00:00Z', to: '0000-12-01T08:00:00Z' }] }), 'body.availability.0.from'],
  ['unknown contact channel', validBody({ contact: { email: 'a@example.org', fax: '123' } }), 'body.contact'],
  ['no location', validBody({ location: {} }), 'body.location'],
  ['postal code of 4 digits', validBody({ location: { postalCode: '1067' } }), 'body.location.postalCode'],
  ['latitude out of range', validBody({ location: { coordinates: { latitude: 91, longitude: 13 } } }), 'body.location.coordinates.latitude'],
  ['longitude as text', validBody({ location: { coordinates: { latitude: 51, longitude: '13' } } }), 'body.location.coordinates.longitude'],
  ['max travel 0 km', validBody({ maxTravelKm: 0 }), 'body.maxTravelKm'],
  ['max travel fractional', validBody({ maxTravelKm: 2.5 }), 'body.maxTravelKm'],
  ['no skills', validBody({ skills: [] }), 'body.skills'],
  ['skill outside the vocabulary', validBody({ skills: ['juggling'] }), 'body.skills.0'],
  ['skill twice', validBody({ skills: ['boat', 'boat'] }), 'body.skills'],
  ['interpreting without a language', validBody({ skills: ['interpreting'] }), 'body.languages'],
  ['language code malformed', validBody({ skills: ['interpreting'], languages: ['Ukrainian'] }), 'body.languages.0'],
  ['resource outside the vocabulary', validBody({ resources: ['helicopter'] }), 'body.resources.0'],
  ['no availability', validBody({ availability: [] }), 'body.availability'],
  ['window ends before it starts', validBody({ availability: [{ from: '2026-11-27T12:00:00Z', to: '2026-11-27T08:00:00Z' }] }), 'body.availability.0.to'],
  ['window without time zone', validBody({ availability: [{ from: '2026-11-27T08:00:00', to: '2026-11-27T12:00:00' }] }), 'body.availability.0.from'],
  ['window longer than 14 days', validBody({ availability: [{ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }] }), 'body.availability.0.to'],
  ['more than 16 hours a day', validBody({ maxHoursPerDay: 24 }), 'body.maxHoursPerDay'],
  ['not confirmed 18+', validBody({ adultConfirmed: false }), 'body.adultConfirmed'],
  ['no consent', without('consent'), 'body.consent'],
  ['unknown consent text version', validBody({ consent: { version: '2019-01', purposes: ['coordination'] } }), 'body.consent.version'],
  ['consent without coordination', validBody({ consent: { version: '2026-01', purposes: ['training-offers'] } }), 'body.consent.purposes'],
  ['unknown consent purpose', validBody({ consent: { version: '2026-01', purposes: ['coordination', 'marketing'] } }), 'body.consent.purposes.1'],
  ['unknown top-level field', validBody({ isAdmin: true }), 'body'],
  ['incident name not a DNS label', validBody({ incidentId: 'Flood 2026!' }), 'body.incidentId'],
  ['body is an array', [valid()], 'body'],
  ['body is null', null, 'body'],
];

test(`${cases.length} kinds of bad registration input each get a 422 problem document naming the field`, async (t) => {
  t.true(cases.length >= 30);
  for (const [what, body, field] of cases) {
    const response = await postJson(`${svc.url}/v1/helpers`, body);
    t.is(response.status, 422, what);
    t.is(response.headers.get('content-type'), 'application/problem+json', what);
    const problem = (await response.json()) as { status: number; errors: Array<{ field: string }> };
    t.is(problem.status, 422, what);
    if (field !== undefined) t.true(problem.errors.some((e) => e.field.startsWith(field)), `${what}: expected ${field} in ${JSON.stringify(problem.errors)}`);
  }
});

test('bodies that are not JSON, not parseable, or too large get 415, 400, 413 — never a 5xx', async (t) => {
  const url = `${svc.url}/v1/helpers`;
  const send = (body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  t.is((await send('name=x', 'application/x-www-form-urlencoded')).status, 415);
  t.is((await send(JSON.stringify(valid()), 'text/plain')).status, 415);
  t.is((await send('{"name": "Anna",')).status, 400);
  t.is((await send(JSON.stringify(validBody({ name: 'x'.repeat(100_000) })))).status, 413);
  t.is((await fetch(url, { method: 'POST' })).status, 422, 'an empty body fails validation');
  t.is((await postJson(url, valid(), { 'idempotency-key': 'short' })).status, 422, 'an Idempotency-Key of 5 characters');
});

test('bad queries and bad self-service changes are 4xx as well', async (t) => {
  const created = (await (await postJson(`${svc.url}/v1/helpers`, valid())).json()) as { token: string };
  const patch = (body: unknown) =>
    fetch(`${svc.url}/v1/helpers/me`, { method: 'PATCH', headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.is((await patch({})).status, 422, 'a change of nothing');
  t.is((await patch({ name: 'New Name' })).status, 422, 'the name is not self-service-changeable here');
  t.is((await patch({ paused: 'yes' })).status, 422);
  t.is((await patch({ maxHoursPerDay: 0 })).status, 422);
  t.is((await patch({ skills: ['interpreting'] })).status, 422, 'interpreting without a language, by a change');
  t.is((await patch({ skills: ['interpreting'], languages: ['uk'] })).status, 200);
  t.is((await patch({ consent: { version: '2026-01', purposes: ['training-offers'] } })).status, 422, 'coordination cannot be withdrawn by a change');
  const withdrawn = await patch({ consent: { version: '2026-01', purposes: ['coordination'] } });
  t.is(withdrawn.status, 200, 'an opt-in can be withdrawn');
  t.like(await withdrawn.json(), { consent: { version: '2026-01', purposes: ['coordination'] } });
  t.is((await fetch(`${svc.url}/v1/helpers/not-a-uuid/contact?reason=test`)).status, 401, 'auth comes before validation');
});

test('bodies, charsets, bytes and methods the parser must survive get a 4xx problem document, never a 5xx', async (t) => {
  await expectProblems(
    t,
    svc.url,
    badRequests({ bodyRoute: { method: 'POST', path: '/v1/helpers' }, validBody: validBody(), textField: 'name', getPath: '/v1/helpers' }),
    { authorization: `Bearer ${await signToken(['coordinator'])}` },
  );
});

test('a time zone offset PostgreSQL cannot hold is a 422, not a 500 (GET /v1/helpers?availableAt=…+16:00)', async (t) => {
  const headers = { authorization: `Bearer ${await signToken(['coordinator'])}` };
  const at = (value: string) => fetch(`${svc.url}/v1/helpers?availableAt=${encodeURIComponent(value)}`, { headers });
  const refused = await at('2026-12-01T00:00:00+16:00');
  t.is(refused.status, 422);
  t.like(await refused.json(), { errors: [{ field: 'query.availableAt' }] });
  t.is((await at('2026-12-01T00:00:00-23:59')).status, 422);
  t.is((await at('0000-06-01T00:00:00Z')).status, 422, 'year 0');
  t.is((await at('2026-12-01T00:00:00+15:59')).status, 200, 'the largest offset PostgreSQL holds');
  t.is((await at('9999-12-31T23:59:59Z')).status, 200);
});
