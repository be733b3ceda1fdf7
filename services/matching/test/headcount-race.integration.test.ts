import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { call, coordinator as tasksCoordinator, ok, siteBody, startTasks, taskBody, testEnv as tasksEnv, type Running as Tasks } from '@kathelfer/tasks/testing/tasks';
import { at, helper, publish, readModelHas, runRound, startMatching, testEnv, type Running } from './support/matching.js';

// The example of issue 13 on the real task service and matching, one bus: a lowered headcount holds
// against helpers who accept at the same moment.
let tasks: Tasks;
let svc: Running;
let redis: ReturnType<typeof createClient>;
let token: string;

test.before(async () => {
  const env = testEnv({ PROPOSAL_TTL_SECONDS: '86400' });
  [tasks, svc] = await Promise.all([startTasks(tasksEnv({ REDIS_PREFIX: env.REDIS_PREFIX ?? '' })), startMatching(env)]);
  redis = createClient({ url: redisUrl() });
  await redis.connect();
  token = await tasksCoordinator();
});
test.after.always(async () => {
  await svc?.close();
  await tasks?.close();
  await redis?.quit();
});

test('a task lowered from 2 helpers to 1 while two proposals are out: both accept at once, one 200 and one 409, and the task shows 1 of 1', async (t) => {
  const event = uniqueName('ahr');
  // GIVEN a task for 2 with two proposals out
  const site = await ok<{ id: string }>(call(`${tasks.url}/v1/sites`, token, 'POST', siteBody({ incidentId: event, coordinates: { latitude: 51.05, longitude: 13.74 } })), 201);
  const job = await ok<{ id: string; version: number }>(
    call(`${tasks.url}/v1/tasks`, token, 'POST', taskBody(site.id, { incidentId: event, headcount: 2, shiftStart: at(2), shiftEnd: at(6) })),
    201,
  );
  const helpers = [helper(event, { skills: ['sandbagging'], resources: ['shovel'] }), helper(event, { skills: ['sandbagging'], resources: ['shovel'] })];
  for (const h of helpers) await publish(redis, `${svc.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  await readModelHas(svc, helpers.map((h) => h.id), [job.id]);
  t.like(await runRound(svc.url, event), { proposed: 2 });
  const proposals = await svc.matching.models.Assignment.findAll({ where: { taskId: job.id, status: 'proposed' }, raw: true });

  // WHEN the coordinator lowers the headcount to 1, and once matching has it both helpers accept at once
  await ok(call(`${tasks.url}/v1/tasks/${job.id}`, token, 'PATCH', { version: job.version, headcount: 1 }));
  await eventually('headcount 1 in matching', async () => ((await svc.matching.models.Task.findByPk(job.id, { raw: true }))?.headcount === 1 ? true : undefined));
  const answers = await Promise.all(
    proposals.map((p) => fetch(`${svc.url}/v1/assignments/${p.id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${helpers.find((h) => h.id === p.helperId)?.token ?? ''}` } })),
  );

  // THEN one is accepted and one refused, and both services read back at most the headcount
  t.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
  t.is(await svc.matching.models.Assignment.count({ where: { taskId: job.id, status: 'accepted' } }), 1);
  const shown = await eventually('the task service to count the acceptance', async () => {
    const view = await ok<{ headcount: number; filledCount: number }>(call(`${tasks.url}/v1/tasks/${job.id}`, token));
    return view.filledCount === 1 ? view : undefined;
  });
  t.like(shown, { headcount: 1, filledCount: 1 });
});
