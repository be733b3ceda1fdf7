import test from 'ava';
import { QueryTypes } from 'sequelize';
import { postJson, startRegistration, validBody, type Running } from './support/registration.js';

let svc: Running;

test.before(async () => {
  svc = await startRegistration();
});
test.after.always(async () => {
  await svc.close();
});

test('one person registering five times at once (double taps, two devices): one 201, four 409, one record', async (t) => {
  const first = validBody();
  const contact = first.contact as { phone: string; email: string };
  // The same person (same phone and e-mail); the form filled in slightly differently each time
  const bodies = Array.from({ length: 5 }, (_, i) => ({ ...first, name: `${String(first.name)} ${i}`, maxTravelKm: 10 + i }));
  const responses = await Promise.all(bodies.map((body) => postJson(`${svc.url}/v1/helpers`, body)));
  t.deepEqual(responses.map((r) => r.status).sort(), [201, 409, 409, 409, 409]);
  const [row] = await svc.registration.sequelize.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${svc.schema}".helpers WHERE status = 'active' AND (email = $1 OR phone_e164 = $2)`,
    { bind: [contact.email, contact.phone], type: QueryTypes.SELECT },
  );
  t.is(row?.n, 1, 'read back: at most one record per person');
});
