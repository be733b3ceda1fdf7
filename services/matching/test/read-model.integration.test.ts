import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { QueryTypes } from 'sequelize';
import { at, helper, publish, readModelHas, runRound, shift, startMatching, task, testEnv, type Running } from './support/matching.js';

let svc: Running;
let redis: ReturnType<typeof createClient>;

test.before(async () => {
  svc = await startMatching();
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await svc.close();
  await redis.quit();
});

const registration = () => `${svc.prefix}events:registration`;
const tasks = () => `${svc.prefix}events:tasks`;

async function live(taskId: string) {
  return svc.matching.models.Assignment.findAll({ where: { taskId, status: ['proposed', 'accepted'] }, raw: true });
}

test('the read model keeps only what matching needs, and the same event id twice is applied once', async (t) => {
  const event = uniqueName('storm');
  const h = helper(event);
  const incidentId = await publish(redis, registration(), { type: 'helper.registered', payload: { ...h.payload, name: 'Anna Muster', contact: { phone: '+4915112345678' } } });
  await readModelHas(svc, [h.id], []);
  // The same event again, as a relay that crashed before marking it sent would publish it, but with other content.
  await publish(redis, registration(), { id: incidentId, type: 'helper.updated', payload: { ...h.payload, skills: ['cooking'] } });
  const marker = helper(event);
  await publish(redis, registration(), { type: 'helper.registered', payload: marker.payload });
  await readModelHas(svc, [h.id, marker.id], []);

  const [row] = await svc.matching.sequelize.query<Record<string, unknown>>(`SELECT * FROM "${svc.schema}".helpers WHERE id = $1`, { bind: [h.id], type: QueryTypes.SELECT });
  t.deepEqual(row?.skills, ['first-aid', 'sandbagging'], 'the duplicate changed nothing');
  t.false(JSON.stringify(row).includes('Anna'), 'no name');
  t.false(JSON.stringify(row).includes('+49151'), 'no contact');
  t.deepEqual(Object.keys(row ?? {}).sort(), ['availability', 'id', 'incident_id', 'incident_ids', 'latitude', 'longitude', 'max_hours_per_day', 'max_travel_km', 'paused', 'resources', 'skills', 'source_at', 'token_hash']);

  const [dup, afterDup] = [randomUUID(), randomUUID()];
  const taskEventId = await publish(redis, tasks(), { type: 'task.created', payload: task(event, { taskId: dup, headcount: 3 }) });
  await publish(redis, tasks(), { id: taskEventId, type: 'task.updated', payload: task(event, { taskId: dup, headcount: 9 }) });
  await publish(redis, tasks(), { type: 'task.created', payload: task(event, { taskId: afterDup }) });
  await readModelHas(svc, [], [dup, afterDup]);
  t.is((await svc.matching.models.Task.findByPk(dup))?.headcount, 3);
});

test('an older snapshot never overwrites a newer one, and an event that breaks the contract is dead-lettered without stopping the consumer', async (t) => {
  const event = uniqueName('storm');
  const h = helper(event);
  await publish(redis, registration(), { type: 'helper.updated', payload: { ...h.payload, maxTravelKm: 50 }, occurredAt: '2026-11-27T10:00:00.000Z' });
  await publish(redis, registration(), { type: 'helper.registered', payload: { ...h.payload, maxTravelKm: 5 }, occurredAt: '2026-11-27T09:00:00.000Z' });
  const [badPriority, badTimes, goodAfterBad] = [randomUUID(), randomUUID(), randomUUID()];
  const broken = [
    await publish(redis, tasks(), { type: 'task.created', payload: { ...task(event, { taskId: badPriority }), priority: 9 } }),
    await publish(redis, tasks(), { type: 'task.created', payload: task(event, { taskId: badTimes, shift: shift(5, 3) }) }),
  ];
  await publish(redis, tasks(), { type: 'site.created', payload: { siteId: 'x' } });
  await publish(redis, tasks(), { type: 'task.created', payload: task(event, { taskId: goodAfterBad }) });
  await readModelHas(svc, [h.id], [goodAfterBad]);
  await eventually('every event handled and acknowledged', async () => {
    const [a, b] = await Promise.all([redis.xPending(tasks(), 'matching'), redis.xPending(registration(), 'matching')]);
    return a.pending === 0 && b.pending === 0 ? true : undefined;
  });
  t.is((await svc.matching.models.Helper.findByPk(h.id))?.maxTravelKm, 50);
  t.is(await svc.matching.models.Task.count({ where: { id: [badPriority, badTimes] } }), 0);
  const dead = (await redis.xRange(`${tasks()}:dead-letter`, '-', '+')) ?? [];
  t.deepEqual(dead.map((e) => e.message.id).filter((id) => broken.includes(id ?? '')).sort(), [...broken].sort(), 'both kept in the dead-letter stream');
});

test('an erasure removes the helper, cancels their assignments, re-plans the slot, and a late update does not bring them back', async (t) => {
  const event = uniqueName('storm');
  const erased = helper(event);
  const other = helper(event, { area: { postalArea: '010', latitude: 51.0, longitude: 13.7 } });
  const job = task(event);
  for (const h of [erased, other]) await publish(redis, registration(), { type: 'helper.registered', payload: h.payload });
  await publish(redis, tasks(), { type: 'task.created', payload: job });
  await readModelHas(svc, [erased.id, other.id], [String(job.taskId)]);
  await runRound(svc.url, event);
  t.deepEqual((await live(String(job.taskId))).map((a) => a.helperId), [erased.id]);

  await publish(redis, registration(), { type: 'helper.erased', payload: { helperId: erased.id } });
  await publish(redis, registration(), { type: 'helper.updated', payload: erased.payload });
  const replanned = await eventually('the slot re-planned with the other helper', async () => {
    const rows = await live(String(job.taskId));
    return rows.length === 1 && rows[0]?.helperId === other.id ? rows : undefined;
  }, { timeoutMs: 15_000 });
  t.is(replanned.length, 1);
  t.is(await svc.matching.models.Helper.count({ where: { id: erased.id } }), 0);
  const ended = await svc.matching.models.Assignment.findOne({ where: { helperId: erased.id }, raw: true });
  t.like(ended, { status: 'cancelled', reason: 'helper-erased' });
});

test('a cancelled task ends its assignments; an update that makes a proposal unfit withdraws it at the next round', async (t) => {
  const event = uniqueName('storm');
  const h = helper(event, { availability: [{ from: at(-2), to: at(20) }] });
  // 12 h apart: the rest rule (11 h) lets one helper take both.
  const cancelled = task(event, { shift: shift(1, 3) });
  const moved = task(event, { shift: shift(15, 19), siteId: randomUUID() });
  await publish(redis, registration(), { type: 'helper.registered', payload: h.payload });
  for (const job of [cancelled, moved]) await publish(redis, tasks(), { type: 'task.created', payload: job });
  await readModelHas(svc, [h.id], [String(cancelled.taskId), String(moved.taskId)]);
  const first = await runRound(svc.url, event);
  t.is(first.proposed, 2);

  await publish(redis, tasks(), { type: 'task.cancelled', payload: { ...cancelled, status: 'cancelled' } });
  await publish(redis, tasks(), { type: 'task.updated', payload: { ...moved, shift: shift(21, 24) } });
  await eventually('the cancellation applied', async () => ((await live(String(cancelled.taskId))).length === 0 ? true : undefined));
  await eventually('the unfit proposal withdrawn', async () => ((await live(String(moved.taskId))).length === 0 ? true : undefined), { timeoutMs: 15_000 });
  const rows = await svc.matching.models.Assignment.findAll({ where: { helperId: h.id }, order: [['taskId', 'ASC']], raw: true });
  t.deepEqual(rows.map((r) => `${r.status}:${r.reason}`).sort(), ['cancelled:no-longer-feasible', 'cancelled:task-cancelled']);
});

test('with PLAN_ON_NEW_DATA, a new helper and a new task are matched without anyone running a round', async (t) => {
  const auto = await startMatching(testEnv({ PLAN_ON_NEW_DATA: 'true' }));
  t.teardown(() => auto.close());
  const event = uniqueName('storm');
  const h = helper(event);
  const job = task(event);
  await publish(redis, `${auto.prefix}events:tasks`, { type: 'task.created', payload: job });
  await publish(redis, `${auto.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  const proposal = await eventually('a proposal from an automatic round', async () => {
    const rows = await auto.matching.models.Assignment.findAll({ where: { taskId: String(job.taskId) }, raw: true });
    return rows[0];
  }, { timeoutMs: 15_000 });
  t.like(proposal, { helperId: h.id, status: 'proposed' });
  const [round] = await auto.matching.models.Round.findAll({ where: { incidentId: event }, raw: true });
  t.is(round?.trigger, 'change');
});
