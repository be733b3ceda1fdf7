import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { call, coordinator as tasksCoordinator, ok, siteBody, startTasks, taskBody, testEnv as tasksEnv, type Running as Tasks } from '@kathelfer/tasks/testing/tasks';
import { at, helper, publish, readModelHas, runRound, startMatching, testEnv, type Running } from './support/matching.js';

// The real task service and matching on one bus: a site's capacity set by a coordinator bounds what matching proposes.
let tasks: Tasks;
let svc: Running;
let redis: ReturnType<typeof createClient>;
let token: string;

test.before(async () => {
  const env = testEnv();
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

const capacityInMatching = (taskId: string, expected: number) =>
  eventually(`site capacity ${expected} in matching's read model`, async () => {
    const row = await svc.matching.models.Task.findByPk(taskId, { raw: true });
    return row?.siteCapacity === expected ? row : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100 });

test("a site's capacity travels with its tasks to matching, a change of it too, and a round proposes no more helpers than it", async (t) => {
  const event = uniqueName('saale');
  // GIVEN a site for 3 helpers at once with a task for 5, and 5 helpers who all fit it
  const site = await ok<{ id: string; version: number }>(
    call(`${tasks.url}/v1/sites`, token, 'POST', siteBody({ incidentId: event, capacity: 3, coordinates: { latitude: 51.05, longitude: 13.74 } })),
    201,
  );
  const job = await ok<{ id: string }>(
    call(`${tasks.url}/v1/tasks`, token, 'POST', taskBody(site.id, { incidentId: event, headcount: 5, shiftStart: at(2), shiftEnd: at(6) })),
    201,
  );
  const helpers = Array.from({ length: 5 }, () => helper(event, { skills: ['sandbagging'], resources: ['shovel'] }));
  for (const h of helpers) await publish(redis, `${svc.prefix}events:registration`, { type: 'helper.registered', payload: h.payload });
  await readModelHas(svc, helpers.map((h) => h.id), [job.id]);
  // THEN matching knows the capacity and proposes 3
  await capacityInMatching(job.id, 3);
  t.like(await runRound(svc.url, event), { proposed: 3, demand: 5, filled: 3 });

  // WHEN the coordinator lowers the site's capacity to 2
  await ok(call(`${tasks.url}/v1/sites/${site.id}`, token, 'PATCH', { version: site.version, capacity: 2 }));
  // THEN the task is re-announced with it; the update triggers a round that withdraws the newest proposal
  await capacityInMatching(job.id, 2);
  await eventually('one proposal withdrawn', async () => {
    const live = await svc.matching.models.Assignment.count({ where: { taskId: job.id, status: ['proposed', 'accepted'] } });
    return live === 2 ? live : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100 });
  t.like(await runRound(svc.url, event), { proposed: 0, filled: 2 });
});
