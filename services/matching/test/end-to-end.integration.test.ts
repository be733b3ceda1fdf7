import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { postJson, startRegistration, testEnv as registrationEnv, validBody, type Running as Registration } from '@kathelfer/registration/testing/registration';
import { at, place, publish, readModelHas, runRound, shift, startMatching, task, testEnv, type Running } from './support/matching.js';

// The real registration service and matching on one bus: the token registration issues works here.
let registration: Registration;
let svc: Running;
let redis: ReturnType<typeof createClient>;

test.before(async () => {
  const env = testEnv();
  [registration, svc] = await Promise.all([startRegistration(registrationEnv({ REDIS_PREFIX: env.REDIS_PREFIX ?? '' })), startMatching(env)]);
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await svc.close();
  await registration.close();
  await redis.quit();
});

test('a helper registered with the registration service accepts a proposal with their own token; after erasure it stops working', async (t) => {
  const event = uniqueName('ahr');
  const register = async () => {
    const response = await postJson(`${registration.url}/v1/helpers`, validBody({ incidentId: event, skills: ['sandbagging'], availability: [{ from: at(-1), to: at(12) }] }));
    if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string; token: string };
  };
  const anna = await register();
  const ben = await register();
  const job = task(event, { headcount: 2, location: place(51.06, 13.75), siteCapacity: 10 });
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: job });
  await readModelHas(svc, [anna.id, ben.id], [String(job.taskId)]);
  t.like(await runRound(svc.url, event), { proposed: 2, fill: 1, coverage: 1 });

  const mine = async (token: string) =>
    ((await (await fetch(`${svc.url}/v1/assignments/mine`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ id: string; status: string }> }).items;
  const [annas] = await mine(anna.token);
  const [bens] = await mine(ben.token);
  const accept = (id: string, token: string) => fetch(`${svc.url}/v1/assignments/${id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  t.is((await accept(annas?.id ?? '', ben.token)).status, 403, "another helper's token");
  t.is((await accept(annas?.id ?? '', anna.token)).status, 200);

  const erased = await fetch(`${registration.url}/v1/helpers/me`, { method: 'DELETE', headers: { authorization: `Bearer ${ben.token}` } });
  t.is(erased.status, 204);
  await eventually('the erasure to reach matching', async () => ((await svc.matching.models.Helper.count({ where: { id: ben.id } })) === 0 ? true : undefined), { timeoutMs: 15_000 });
  t.is((await accept(bens?.id ?? '', ben.token)).status, 401, 'the erased helper\'s token no longer works');
  const row = await svc.matching.models.Assignment.findByPk(bens?.id ?? '', { raw: true });
  t.like(row, { status: 'cancelled', reason: 'helper-erased' });
});

test('a helper who gave only a postal code gets its centroid as location and is planned', async (t) => {
  const event = uniqueName('saale');
  const response = await postJson(
    `${registration.url}/v1/helpers`,
    validBody({ incidentId: event, skills: ['sandbagging'], location: { postalCode: '06108' }, availability: [{ from: at(-1), to: at(12) }] }),
  );
  t.is(response.status, 201);
  const { id } = (await response.json()) as { id: string };
  // a dike site on the Saale in Halle, about 2 km from the centroid of 06108
  const job = task(event, { location: place(51.487, 11.93) });
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: job });
  await readModelHas(svc, [id], [String(job.taskId)]);
  t.like(await svc.matching.models.Helper.findByPk(id, { raw: true }), { latitude: 51.49, longitude: 11.96 });
  t.like(await runRound(svc.url, event), { proposed: 1, filled: 1 });
});

test('a helper registered for one incident joins a second from self-service and is planned in each with one token; erasure ends both', async (t) => {
  const [first, second] = [uniqueName('erft'), uniqueName('ahr')];
  const response = await postJson(`${registration.url}/v1/helpers`, validBody({ incidentId: first, skills: ['sandbagging'], availability: [{ from: at(-1), to: at(24) }] }));
  t.is(response.status, 201);
  const lea = (await response.json()) as { id: string; token: string };
  const joined = await postJson(
    `${registration.url}/v1/helpers/me/incidents`,
    { incidentId: second, consent: { version: '2026-01', purposes: ['coordination'] } },
    { authorization: `Bearer ${lea.token}` },
  );
  t.is(joined.status, 201);
  const inFirst = task(first, { shift: shift(2, 6) });
  const inSecond = task(second, { shift: shift(8, 12) });
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: inFirst });
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: inSecond });
  await readModelHas(svc, [lea.id], [String(inFirst.taskId), String(inSecond.taskId)]);
  await eventually('the join to reach matching', async () => {
    const row = await svc.matching.models.Helper.findByPk(lea.id, { raw: true });
    return row?.incidentIds.includes(second) === true ? true : undefined;
  }, { timeoutMs: 15_000 });

  // The join is an update, which re-plans both incidents on its own; a round run here may find the work done.
  await runRound(svc.url, first);
  await runRound(svc.url, second);
  const mine = (await (await fetch(`${svc.url}/v1/assignments/mine`, { headers: { authorization: `Bearer ${lea.token}` } })).json()) as {
    items: Array<{ id: string; taskId: string }>;
  };
  t.deepEqual(mine.items.map((a) => a.taskId).sort(), [String(inFirst.taskId), String(inSecond.taskId)].sort(), 'one proposal in each incident');
  for (const a of mine.items) {
    t.is((await fetch(`${svc.url}/v1/assignments/${a.id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${lea.token}` } })).status, 200);
  }

  t.is((await fetch(`${registration.url}/v1/helpers/me`, { method: 'DELETE', headers: { authorization: `Bearer ${lea.token}` } })).status, 204);
  await eventually('the erasure to reach matching', async () => ((await svc.matching.models.Helper.count({ where: { id: lea.id } })) === 0 ? true : undefined), { timeoutMs: 15_000 });
  const ended = await svc.matching.models.Assignment.findAll({ where: { helperId: lea.id }, raw: true });
  t.deepEqual(ended.map((a) => [a.incidentId, a.status, a.reason]).sort(), [
    [first, 'cancelled', 'helper-erased'],
    [second, 'cancelled', 'helper-erased'],
  ].sort());
});

test('a helper available for two incidents is not proposed shifts at the same time in both', async (t) => {
  const [first, second] = [uniqueName('saar'), uniqueName('bayern')];
  const response = await postJson(`${registration.url}/v1/helpers`, validBody({ incidentId: first, skills: ['sandbagging'], availability: [{ from: at(-1), to: at(24) }] }));
  const max = (await response.json()) as { id: string; token: string };
  const joined = await postJson(
    `${registration.url}/v1/helpers/me/incidents`,
    { incidentId: second, consent: { version: '2026-01', purposes: ['coordination'] } },
    { authorization: `Bearer ${max.token}` },
  );
  t.is(joined.status, 201);
  await eventually('the join to reach matching', async () => {
    const row = await svc.matching.models.Helper.findByPk(max.id, { raw: true });
    return row?.incidentIds.includes(second) === true ? true : undefined;
  }, { timeoutMs: 15_000 });
  // The tasks come after the rounds the join itself triggered, so the two rounds below run one after the other.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const [inFirst, inSecond] = [task(first, { shift: shift(2, 6) }), task(second, { shift: shift(3, 7) })];
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: inFirst });
  await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: inSecond });
  await readModelHas(svc, [max.id], [String(inFirst.taskId), String(inSecond.taskId)]);

  // Rounds the new tasks trigger by themselves may run before these; whichever incident plans
  // first takes the hours, and the other must then leave them alone.
  await runRound(svc.url, first);
  await runRound(svc.url, second);
  await runRound(svc.url, first);
  const live = await svc.matching.models.Assignment.findAll({ where: { helperId: max.id, status: ['proposed', 'accepted'] }, raw: true });
  t.is(live.length, 1, `one of the two overlapping shifts, not both: ${JSON.stringify(live.map((a) => a.incidentId))}`);
});
