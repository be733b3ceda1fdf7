import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl } from '@kathelfer/hack/test-env';
import { QueryTypes } from 'sequelize';
import type { AssignmentEvent } from './support/tasks.js';
import {
  assignmentEvent,
  call,
  coordinator,
  helper,
  ok,
  siteBody,
  startTasks,
  taskBody,
  testEnv,
  toStreamEntry,
  type Running,
  type SiteView,
  type TaskView,
} from './support/tasks.js';

let svc: Running;
let redis: ReturnType<typeof createClient>;
let token: string;
let site: SiteView;
const env = testEnv({ CONSUMER_CLAIM_IDLE_MS: '500' });

test.before(async () => {
  svc = await startTasks(env);
  redis = createClient({ url: redisUrl() });
  await redis.connect();
  token = await coordinator();
  site = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody()), 201);
});
test.after.always(async () => {
  await svc?.close();
  await redis?.quit();
});

const publish = async (...events: AssignmentEvent[]) => {
  for (const event of events) await redis.xAdd(`${svc.prefix}events:matching`, '*', toStreamEntry(event));
};
const createTask = (overrides: Record<string, unknown> = {}, at = site.id) => ok<TaskView>(call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(at, overrides)), 201);
const readTask = (id: string) => ok<TaskView>(call(`${svc.url}/v1/tasks/${id}`, token));
const processed = async (ids: string[]) => {
  const [row] = await svc.tasks.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${svc.schema}".processed_events WHERE event_id = ANY($1)`, {
    bind: [ids],
    type: QueryTypes.SELECT,
  });
  return row?.n ?? 0;
};
const until = (what: string, probe: () => Promise<boolean>) => eventually(what, async () => ((await probe()) ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
const minutes = (n: number) => new Date(Date.now() + n * 60_000);

test('GIVEN duplicate and out-of-order assignment events THEN fill counts each assignment once and an older event never overrides a newer one', async (t) => {
  const task = await createTask({ headcount: 2 });
  const [a1, a2, a3] = [randomUUID(), randomUUID(), randomUUID()];
  const accepted1 = assignmentEvent('assignment.accepted', { assignmentId: a1, taskId: task.id, occurredAt: minutes(-10) });
  const late = assignmentEvent('assignment.accepted', { assignmentId: a3, taskId: task.id, occurredAt: minutes(-9) });
  const withdrawnFirst = assignmentEvent('assignment.cancelled', { assignmentId: a3, taskId: task.id, occurredAt: minutes(-8) });
  const accepted2 = assignmentEvent('assignment.accepted', { assignmentId: a2, taskId: task.id, occurredAt: minutes(-7) });
  // The relay crashed between XADD and marking sent: the same event twice. a3's cancellation overtakes its acceptance.
  await publish(accepted1, accepted1, withdrawnFirst, late, accepted2, accepted2);
  await until('four distinct events applied', async () => (await processed([accepted1.eventId, late.eventId, withdrawnFirst.eventId, accepted2.eventId])) === 4);
  t.like(await readTask(task.id), { filledCount: 2, status: 'filled' });

  // a1 is cancelled; then an old acceptance of a1 shows up again under a new event id (a replay).
  const cancel1 = assignmentEvent('assignment.cancelled', { assignmentId: a1, taskId: task.id, occurredAt: minutes(-5) });
  const replay = { ...accepted1, eventId: randomUUID() };
  await publish(cancel1, replay);
  await until('cancel and replay applied', async () => (await processed([cancel1.eventId, replay.eventId])) === 2);
  t.like(await readTask(task.id), { filledCount: 1, status: 'partially_filled' });
});

test('a malformed assignment event is dead-lettered and events of other types are ignored, without holding up the stream', async (t) => {
  const task = await createTask({ headcount: 2 });
  const good = assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id });
  const stream = `${svc.prefix}events:matching`;
  const malformed = randomUUID();
  await redis.xAdd(stream, '*', { id: malformed, type: 'assignment.accepted', version: '1', occurredAt: new Date().toISOString(), payload: JSON.stringify({ taskId: task.id }) });
  await redis.xAdd(stream, '*', { id: randomUUID(), type: 'round.completed', occurredAt: new Date().toISOString(), payload: '{}' });
  await publish(good);
  await until('the good event applied', async () => (await readTask(task.id)).filledCount === 1);
  t.is(await processed([good.eventId]), 1);
  const dead = (await redis.xRange(`${stream}:dead-letter`, '-', '+')) ?? [];
  t.deepEqual(dead.filter((e) => e.message.id === malformed).map((e) => e.message.group), ['tasks'], 'kept for a person to read, not dropped');
  const metrics = await (await fetch(`${svc.url}/metrics`)).text();
  t.regex(metrics, /bus_events_total\{[^}]*stream="matching"[^}]*outcome="dead_lettered"[^}]*\} 1/);
});

test('the headcount: a filled task re-opens when it rises, and cannot drop below the helpers assigned', async (t) => {
  const task = await createTask({ headcount: 2 });
  await publish(...[1, 2].map(() => assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id })));
  await until('filled', async () => (await readTask(task.id)).status === 'filled');
  const patch = (body: unknown) => call(`${svc.url}/v1/tasks/${task.id}`, token, 'PATCH', body);
  t.like(await ok<TaskView>(patch({ version: 1, headcount: 3 })), { status: 'partially_filled', headcount: 3 });
  const below = await patch({ version: 2, headcount: 1 });
  t.is(below.status, 409);
  t.like(await below.json(), { filledCount: 2 });
  t.like(await ok<TaskView>(patch({ version: 2, headcount: 2 })), { status: 'filled' });
  t.is((await patch({ version: 3, status: 'open' })).status, 409, 'open follows the fill');
});

test('GIVEN two replicas, one restarted while events arrive THEN every event is applied exactly once', async (t) => {
  const task = await createTask({ headcount: 100 });
  const events = Array.from({ length: 20 }, () => assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id }));
  const second = await startTasks({ ...env, CONSUMER_NAME: 'replica-2' }, { dropSchema: false });
  try {
    // Both replicas in one consumer group: the two copies of an event may go to different replicas.
    await publish(...events.slice(0, 10), ...events.slice(0, 10));
    await until('the first ten applied', async () => (await readTask(task.id)).filledCount === 10);
  } finally {
    await second.close();
  }
  await publish(...events.slice(10), ...events.slice(5, 15));
  const third = await startTasks({ ...env, CONSUMER_NAME: 'replica-2' }, { dropSchema: false });
  try {
    await until('all twenty applied', async () => (await readTask(task.id)).filledCount === 20);
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.like(await readTask(task.id), { filledCount: 20, status: 'partially_filled' });
    t.is(await processed(events.map((e) => e.eventId)), 20);
    const pending = await redis.xPending(`${svc.prefix}events:matching`, 'tasks');
    t.is(pending.pending, 0, 'every delivery acknowledged, duplicates too');
  } finally {
    await third.close();
  }
});

// Serial: ava runs it before the others, so the dead pod is handed only these three events.
test.serial('GIVEN a replica that died holding events it had been handed THEN another claims them and applies each once', async (t) => {
  const task = await createTask({ headcount: 5 });
  const events = [1, 2, 3].map(() => assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id }));
  const stream = `${svc.prefix}events:matching`;
  // In one MULTI, so the dead pod is handed the events before the live replica can be.
  const multi = redis.multi();
  for (const event of events) multi.xAdd(stream, '*', toStreamEntry(event));
  multi.xReadGroup('tasks', 'dead-pod', { key: stream, id: '>' }, { COUNT: 10 });
  await multi.exec();
  const held = await redis.xPendingRange(stream, 'tasks', '-', '+', 10, { consumer: 'dead-pod' });
  t.is(held.length, 3, 'the dead pod holds the three events');
  await until('the three claimed and applied', async () => (await readTask(task.id)).filledCount === 3);
  t.is(await processed(events.map((e) => e.eventId)), 3);
  await until('none left pending at the dead pod', async () => (await redis.xPendingRange(stream, 'tasks', '-', '+', 10, { consumer: 'dead-pod' })).length === 0);
});

interface Mine {
  items: Array<{ assignmentId: string; code: string; qrPayload: string; site: { id: string; meetingPoint: string }; checkedInAt: string | null }>;
}

async function assign(taskId: string, helperId: string, shift: { shiftStart?: Date; shiftEnd?: Date } = {}): Promise<Mine['items'][number]> {
  const event = assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId, helperId, ...shift });
  await publish(event);
  const asHelper = await helper(helperId);
  return eventually('the assignment in the helper view', async () => {
    const mine = await ok<Mine>(call(`${svc.url}/v1/checkins/me`, asHelper));
    return mine.items.find((i) => i.assignmentId === event.assignmentId);
  }, { timeoutMs: 20_000, intervalMs: 100 });
}

const checkIn = (siteId: string, code: string) => call(`${svc.url}/v1/checkins`, token, 'POST', { siteId, code });

test('check-in and check-out by code: recorded per assignment, site load follows, hours per helper and day, every log read logged', async (t) => {
  const task = await createTask({ headcount: 3 });
  const helperId = randomUUID();
  const mine = await assign(task.id, helperId);
  t.regex(mine.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  t.is(mine.qrPayload, `kathelfer:checkin:${mine.code.replace(/-/g, '')}`);
  t.is(mine.site.meetingPoint, 'Tor 2, am Container der Feuerwehr');
  t.like(await ok(call(`${svc.url}/v1/tasks/${task.id}`, await helper(helperId))), { id: task.id }, 'a helper sees the task they are assigned to');

  const checkedIn = await ok<{ checkedInAt: string }>(checkIn(site.id, mine.qrPayload), 201);
  t.truthy(checkedIn.checkedInAt);
  const again = await checkIn(site.id, mine.code.toLowerCase());
  t.is(again.status, 409);
  t.like(await again.json(), { reason: 'already-checked-in' });
  t.like(await ok(call(`${svc.url}/v1/sites/${site.id}/load`, token)), { capacity: 40, checkedIn: 1, available: 39 });

  const out = await ok<{ checkedOutAt: string }>(call(`${svc.url}/v1/checkins/checkout`, token, 'POST', { siteId: site.id, code: mine.code }));
  t.truthy(out.checkedOutAt);
  t.like(await ok(call(`${svc.url}/v1/sites/${site.id}/load`, token)), { checkedIn: 0 });
  t.is((await call(`${svc.url}/v1/checkins/checkout`, token, 'POST', { siteId: site.id, code: mine.code })).status, 409, 'out twice');

  const from = new Date(Date.now() - 24 * 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const hours = await ok<{ items: Array<{ helperId: string; shifts: number; openShift: boolean }> }>(
    call(`${svc.url}/v1/checkins/hours?from=${from}&to=${to}&helperId=${helperId}&reason=${encodeURIComponent('Ruhezeit prüfen')}`, token),
  );
  t.like(hours.items, [{ helperId, shifts: 1, openShift: false }]);
  const [logged] = await svc.tasks.sequelize.query<{ subject: string; reason: string; helper_id: string }>(
    `SELECT subject, reason, helper_id FROM "${svc.schema}".attendance_access_log WHERE helper_id = $1`,
    { bind: [helperId], type: QueryTypes.SELECT },
  );
  t.like(logged, { subject: 'coordinator-1', reason: 'Ruhezeit prüfen' });

  // A night shift, 20:00 to 04:00 Berlin time, counts 4 hours on each of the two days.
  await svc.tasks.sequelize.query(`UPDATE "${svc.schema}".attendance SET checked_in_at = $2, checked_out_at = $3 WHERE assignment_id = $1`, {
    bind: [mine.assignmentId, '2026-11-20T20:00:00+01:00', '2026-11-21T04:00:00+01:00'],
  });
  const night = await ok<{ timeZone: string; items: Array<{ day: string; hours: number }> }>(
    call(`${svc.url}/v1/checkins/hours?from=2026-11-19T00:00:00Z&to=2026-11-23T00:00:00Z&helperId=${helperId}&reason=Nachtschicht`, token),
  );
  t.is(night.timeZone, 'Europe/Berlin');
  t.deepEqual(night.items.map((i) => [i.day, i.hours]), [['2026-11-20', 4], ['2026-11-21', 4]]);

  const types = await eventually('check-in and check-out events', async () => {
    const entries = (await redis.xRange(`${svc.prefix}events:tasks`, '-', '+')) ?? [];
    const mineOnly = entries.filter((e) => (JSON.parse(e.message.payload ?? '{}') as { assignmentId?: string }).assignmentId === mine.assignmentId);
    return mineOnly.length >= 2 ? mineOnly.map((e) => e.message.type) : undefined;
  });
  t.deepEqual(types, ['checkin.recorded', 'checkout.recorded']);
});

test('check-in is refused for a code of another site, a forged code, an expired or withdrawn assignment, and at a full site', async (t) => {
  const small = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody({ name: 'Kleine Stelle', capacity: 1 })), 201);
  const task = await createTask({ headcount: 5 }, small.id);
  const first = await assign(task.id, randomUUID());
  const second = await assign(task.id, randomUUID());

  const wrongSite = await checkIn(site.id, first.code);
  t.is(wrongSite.status, 409);
  t.like(await wrongSite.json(), { reason: 'wrong-site', siteId: small.id });

  const last = first.code.at(-1) === '0' ? '1' : '0';
  const forged = await checkIn(small.id, first.code.slice(0, -1) + last);
  t.is(forged.status, 422, 'a code with one wrong character does not verify');

  t.is((await checkIn(small.id, first.code)).status, 201);
  const full = await checkIn(small.id, second.code);
  t.is(full.status, 409);
  const problem = (await full.json()) as { reason: string; detail: string };
  t.is(problem.reason, 'site-full');
  t.regex(problem.detail, /"Kleine Stelle" is full: 1 of 1 helpers are checked in/);

  const expired = await assign(task.id, randomUUID(), { shiftStart: minutes(-12 * 60), shiftEnd: minutes(-5 * 60) });
  t.like(await (await checkIn(small.id, expired.code)).json(), { status: 409, reason: 'expired' });

  const withdrawnHelper = randomUUID();
  const withdrawn = await assign(task.id, withdrawnHelper);
  const code = withdrawn.code;
  await publish(assignmentEvent('assignment.cancelled', { assignmentId: withdrawn.assignmentId, taskId: task.id, helperId: withdrawnHelper }));
  await until('withdrawn', async () => (await ok<Mine>(call(`${svc.url}/v1/checkins/me`, await helper(withdrawnHelper)))).items.every((i) => i.assignmentId !== withdrawn.assignmentId));
  t.like(await (await checkIn(small.id, code)).json(), { status: 409, reason: 'withdrawn' });
});

test('retention of the check-in log: records checked out before the period go, recent and open ones stay', async (t) => {
  const own = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody({ name: 'Retention' })), 201);
  const task = await createTask({ headcount: 3 }, own.id);
  const ids: string[] = [];
  for (const who of [randomUUID(), randomUUID(), randomUUID()]) {
    const mine = await assign(task.id, who);
    await ok(checkIn(own.id, mine.code), 201);
    ids.push(mine.assignmentId);
  }
  const [old, recent, open] = ids;
  const day = 24 * 3_600_000;
  const set = (id: string | undefined, inAt: Date, outAt: Date | null) =>
    svc.tasks.sequelize.query(`UPDATE "${svc.schema}".attendance SET checked_in_at = $2, checked_out_at = $3 WHERE assignment_id = $1`, { bind: [id, inAt, outAt] });
  await set(old, new Date(Date.now() - 40 * day), new Date(Date.now() - 40 * day + 8 * 3_600_000));
  await set(recent, new Date(Date.now() - 20 * day), new Date(Date.now() - 20 * day + 8 * 3_600_000));
  await set(open, new Date(Date.now() - 40 * day), null);

  t.is(await svc.tasks.attendance.applyRetention(30), 1);
  const left = await svc.tasks.sequelize.query<{ assignment_id: string }>(`SELECT assignment_id FROM "${svc.schema}".attendance WHERE assignment_id = ANY($1::uuid[])`, {
    bind: [ids],
    type: QueryTypes.SELECT,
  });
  t.deepEqual(left.map((r) => r.assignment_id).sort(), [recent, open].sort());
});
