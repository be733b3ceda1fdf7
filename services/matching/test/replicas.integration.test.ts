import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { RoundLock } from '../src/round-lock.js';
import { StaleRoundError } from '../src/rounds.js';
import { helper, publish, readModelHas, runRound, shift, startMatching, streamEvents, task, testEnv, type Running } from './support/matching.js';

// Two replicas of one deployment: same schema, same Redis prefix, same consumer group.
let a: Running;
let b: Running;
let redis: ReturnType<typeof createClient>;

test.before(async () => {
  const env = testEnv();
  [a, b] = await Promise.all([
    startMatching({ ...env, CONSUMER_NAME: 'replica-a' }, { dropSchema: false }),
    startMatching({ ...env, CONSUMER_NAME: 'replica-b' }),
  ]);
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await a.close();
  await b.close();
  await redis.quit();
});

async function scenario(svc: Running, event: string, helpers: number, tasks: Array<Record<string, unknown>>) {
  const people = Array.from({ length: helpers }, (_, i) => helper(event, { area: { postalArea: '010', latitude: 51.0 + i * 0.002, longitude: 13.7 } }));
  for (const h of people) await publish(redis, `${svc.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  for (const t of tasks) await publish(redis, `${svc.prefix}events:tasks`, { type: 'task.created', payload: t });
  await readModelHas(svc, people.map((h) => h.id), tasks.map((t) => String(t.taskId)));
  return people;
}

test('rounds started on two replicas at once never assign a helper twice', async (t) => {
  const event = uniqueName('surge');
  // Overlapping shifts and more slots than helpers: two rounds planning from one snapshot would double-book.
  const tasks = Array.from({ length: 8 }, (_, i) => task(event, { headcount: 3, shift: shift(2 + (i % 2), 6 + (i % 2)), siteId: randomUUID() }));
  await scenario(a, event, 16, tasks);
  const results = await Promise.all([a, b, a, b, a, b].map((svc) => runRound(svc.url, event)));
  const fences = results.map((r) => r.fence as number);
  t.is(new Set(fences).size, 6, 'every round held its own token');
  t.is(results.reduce((sum, r) => sum + (r.proposed as number), 0), 16, 'together they proposed each helper once');

  const live = await a.matching.models.Assignment.findAll({ where: { incidentId: event, status: ['proposed', 'accepted'] }, raw: true });
  const byHelper = new Map<string, typeof live>();
  for (const x of live) byHelper.set(x.helperId, [...(byHelper.get(x.helperId) ?? []), x]);
  for (const [helperId, list] of byHelper) {
    const sorted = list.sort((x, y) => x.shiftStart.getTime() - y.shiftStart.getTime());
    for (let i = 1; i < sorted.length; i++) {
      t.true(sorted[i]!.shiftStart >= sorted[i - 1]!.shiftEnd, `helper ${helperId} holds overlapping shifts`);
    }
  }
  for (const job of tasks) t.true(live.filter((x) => x.taskId === job.taskId).length <= 3, 'no task above its headcount');
});

test("a crashed replica's lock expires and another replica's round goes ahead with a higher token", async (t) => {
  const event = uniqueName('surge');
  await scenario(a, event, 2, [task(event)]);
  const crashed = await new RoundLock(a.matching.redis, a.prefix, 1_000).tryAcquire(event);
  t.truthy(crashed, 'the crashed replica held the lock');
  t.is(await new RoundLock(a.matching.redis, a.prefix, 1_000).tryAcquire(event), undefined, 'nobody else gets it meanwhile');
  const stats = await runRound(b.url, event);
  t.true((stats.fence as number) > (crashed?.token ?? Infinity));
  t.is(stats.proposed, 1);
});

test('a replica that stalled past its lock writes nothing: its fencing token was overtaken', async (t) => {
  const event = uniqueName('surge');
  const job = task(event);
  await scenario(a, event, 2, [job]);
  const stalled = await new RoundLock(a.matching.redis, a.prefix, 300).tryAcquire(event);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const current = await runRound(b.url, event);
  t.is(current.proposed, 1);
  await t.throwsAsync(a.matching.rounds.execute(event, 'stalled', stalled?.token ?? 0), { instanceOf: StaleRoundError });
  t.is(await a.matching.models.Assignment.count({ where: { taskId: String(job.taskId) } }), 1, 'only the current round wrote');
});

test('a decline seen by a replica that cannot plan any more is re-planned by the other replica\'s sweep', async (t) => {
  const svc = await startMatching(testEnv());
  const other = await startMatching({ ...testEnv(), DB_SCHEMA: svc.schema, REDIS_PREFIX: svc.prefix, CONSUMER_NAME: 'other' }, { dropSchema: false });
  t.teardown(async () => {
    await other.close();
    await svc.close();
  });
  const event = uniqueName('surge');
  const job = task(event);
  const [x, y] = await scenario(svc, event, 2, [job]);
  await runRound(svc.url, event);
  // This replica stops planning (as if it died right after the commit); its decline is on record.
  await svc.matching.scheduler.stop();
  const [proposal] = await svc.matching.models.Assignment.findAll({ where: { taskId: String(job.taskId) }, raw: true });
  await svc.matching.assignments.answer(proposal?.id ?? '', proposal?.helperId ?? '', 'decline');
  const replanned = await eventually('the other replica to re-plan the slot', async () => {
    const live = await other.matching.models.Assignment.findAll({ where: { taskId: String(job.taskId), status: 'proposed' }, raw: true });
    return live[0];
  }, { timeoutMs: 15_000 });
  t.not(replanned.helperId, proposal?.helperId);
  t.true([x?.id, y?.id].includes(replanned.helperId));
});

test('a proposal nobody answers expires after the configured time, is published, and the slot is re-planned', async (t) => {
  const svc = await startMatching(testEnv({ PROPOSAL_TTL_SECONDS: '1' }));
  t.teardown(() => svc.close());
  const event = uniqueName('surge');
  const job = task(event, { shift: shift(3, 5) });
  const [first, second] = await scenario(svc, event, 2, [job]);
  await runRound(svc.url, event);
  const rows = await eventually('the first proposal to expire and the other helper to be proposed', async () => {
    const all = await svc.matching.models.Assignment.findAll({ where: { taskId: String(job.taskId) }, order: [['proposedAt', 'ASC']], raw: true });
    return all.length === 2 ? all : undefined;
  }, { timeoutMs: 20_000 });
  t.deepEqual(rows.map((r) => r.helperId).sort(), [first?.id, second?.id].sort(), 'the other helper got the slot');
  t.is(rows[0]?.status, 'expired');
  await eventually('assignment.expired on the stream', async () =>
    (await streamEvents(redis, `${svc.prefix}events:matching`)).some((e) => e.type === 'assignment.expired' && e.payload.assignmentId === rows[0]?.id) ? true : undefined,
  );
  t.pass();
});
