import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { helper, place, publish, readModelHas, runRound, shift, startMatching, task, testEnv, type Running, type TestHelper } from './support/matching.js';

// Rounds run only when a test asks for one (the background debounce is an hour), so a proposal a
// lowered limit makes unfit stays out and the acceptance itself must refuse it.
let svc: Running;
let redis: ReturnType<typeof createClient>;

test.before(async () => {
  svc = await startMatching(testEnv({ PROPOSAL_TTL_SECONDS: '86400', ROUND_DEBOUNCE_MS: '3600000', SWEEP_MS: '3600000' }));
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await svc.close();
  await redis.quit();
});

const accept = (id: string, token: string) => fetch(`${svc.url}/v1/assignments/${id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

async function publishTask(type: 'task.created' | 'task.updated', payload: Record<string, unknown>): Promise<void> {
  await publish(redis, `${svc.prefix}events:tasks`, { type, payload });
}

async function proposals(event: string, helpers: TestHelper[], tasks: Array<Record<string, unknown>>) {
  for (const h of helpers) await publish(redis, `${svc.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  for (const t of tasks) await publishTask('task.created', t);
  await readModelHas(svc, helpers.map((h) => h.id), tasks.map((t) => String(t.taskId)));
  await runRound(svc.url, event);
  return svc.matching.models.Assignment.findAll({ where: { incidentId: event, status: 'proposed' }, raw: true });
}

const headcountIs = (taskId: string, headcount: number) =>
  eventually(`headcount ${headcount} in the read model`, async () => ((await svc.matching.models.Task.findByPk(taskId, { raw: true }))?.headcount === headcount ? true : undefined));

/** Accepted assignments of a task, an event or a helper, read back from the database. */
const acceptedOf = async (where: { taskId?: unknown; incidentId?: string; helperId?: string }): Promise<number> => {
  const rows = await svc.matching.models.Assignment.findAll({ where: { status: 'accepted' }, raw: true });
  return rows.filter((a) => (where.taskId === undefined || a.taskId === where.taskId) && (where.incidentId === undefined || a.incidentId === where.incidentId) && (where.helperId === undefined || a.helperId === where.helperId)).length;
};

/** Both accepts are sent before either answer is read: they reach the service at the same time. */
async function acceptAtOnce(pairs: Array<[string, string]>): Promise<Array<{ status: number; body: Record<string, unknown> }>> {
  const responses = await Promise.all(pairs.map(([id, token]) => accept(id, token)));
  return Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> })));
}

test('two helpers accepting at once after the headcount was lowered to 1: one gets the place, the other 409, and one is accepted', async (t) => {
  const event = uniqueName('flood');
  const helpers = [helper(event), helper(event, { area: { postalArea: '010', latitude: 51.0, longitude: 13.7 } })];
  const job = task(event, { headcount: 2 });
  const out = await proposals(event, helpers, [job]);
  t.is(out.length, 2, 'two proposals out');
  // WHEN the headcount goes down to 1 and both answer yes at once
  await publishTask('task.updated', { ...job, headcount: 1 });
  await headcountIs(String(job.taskId), 1);
  const answers = await acceptAtOnce(out.map((a) => [a.id, helpers.find((h) => h.id === a.helperId)?.token ?? '']));
  // THEN exactly one is accepted, the other learns why
  t.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
  t.like(answers.find((a) => a.status === 409)?.body, { limit: 'headcount', headcount: 1, accepted: 1 });
  t.is(await acceptedOf({ taskId: job.taskId }), 1, 'read back: accepted ≤ headcount');
});

test('acceptances that arrived before a lowered headcount: the most recent beyond it are released when the update is applied', async (t) => {
  const event = uniqueName('flood');
  const helpers = [helper(event), helper(event, { area: { postalArea: '010', latitude: 51.0, longitude: 13.7 } })];
  const job = task(event, { headcount: 2 });
  const out = await proposals(event, helpers, [job]);
  const [first, second] = out;
  t.is((await accept(first?.id ?? '', helpers.find((h) => h.id === first?.helperId)?.token ?? '')).status, 200);
  t.is((await accept(second?.id ?? '', helpers.find((h) => h.id === second?.helperId)?.token ?? '')).status, 200);
  // WHEN the task service's lower headcount arrives after both acceptances
  await publishTask('task.updated', { ...job, headcount: 1 });
  // THEN the later acceptance is cancelled with its reason, the earlier one stays
  const released = await eventually('the later acceptance released', async () =>
    (await svc.matching.models.Assignment.findOne({ where: { taskId: String(job.taskId), status: 'cancelled' }, raw: true })) ?? undefined,
  );
  t.is(released.id, second?.id ?? '');
  t.is(released.reason, 'headcount-lowered');
  t.is(await acceptedOf({ taskId: job.taskId }), 1);
});

test("two helpers accepting at once places at a site that holds one helper at a time: one 409, the site's capacity holds", async (t) => {
  const event = uniqueName('flood');
  const helpers = [helper(event), helper(event, { area: { postalArea: '010', latitude: 51.0, longitude: 13.7 } })];
  const siteCapacity = 2;
  const siteId = randomUUID();
  // Two tasks of one site, shifts overlapping from hour 4 to 6
  const early = task(event, { siteId, siteCapacity, shift: shift(2, 6) });
  const late = task(event, { siteId, siteCapacity, shift: shift(4, 8) });
  const out = await proposals(event, helpers, [early, late]);
  t.is(out.length, 2);
  for (const job of [early, late]) await publishTask('task.updated', { ...job, siteCapacity: 1 });
  await eventually('capacity 1 in the read model', async () =>
    (await svc.matching.models.Task.count({ where: { incidentId: event, siteCapacity: 1 } })) === 2 ? true : undefined,
  );
  const answers = await acceptAtOnce(out.map((a) => [a.id, helpers.find((h) => h.id === a.helperId)?.token ?? '']));
  t.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
  t.like(answers.find((a) => a.status === 409)?.body, { limit: 'site-capacity', capacity: 1, present: 1 });
  t.is(await acceptedOf({ incidentId: event }), 1, 'read back: at most one helper at the site at once');
});

test('one helper accepting two shifts at the same time at once: one 409, never in two places', async (t) => {
  const event = uniqueName('flood');
  const person = helper(event);
  const jobs = [task(event), task(event, { siteId: randomUUID(), location: place(51.04, 13.73) })];
  const [proposal] = await proposals(event, [person], jobs);
  t.truthy(proposal, 'a round proposes one of the two');
  // A second, overlapping proposal as an earlier round could have left it (rounds never make one)
  const other = jobs.find((j) => j.taskId !== proposal?.taskId);
  const second = await svc.matching.models.Assignment.create({
    ...(proposal as NonNullable<typeof proposal>),
    id: randomUUID(),
    taskId: String(other?.taskId),
    proposedAt: new Date(),
  });
  const answers = await acceptAtOnce([[proposal?.id ?? '', person.token], [second.id, person.token]]);
  t.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
  t.like(answers.find((a) => a.status === 409)?.body, { limit: 'helper-overlap' });
  t.is(await acceptedOf({ helperId: person.id }), 1);
});
