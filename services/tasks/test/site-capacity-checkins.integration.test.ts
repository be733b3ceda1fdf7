import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { eventually, redisUrl } from '@kathelfer/hack/test-env';
import { assignmentEvent, call, coordinator, helper, ok, siteBody, startTasks, taskBody, testEnv, toStreamEntry, type Running, type SiteView, type TaskView } from './support/tasks.js';

let svc: Running;
let redis: ReturnType<typeof createClient>;
let token: string;

test.before(async () => {
  svc = await startTasks(testEnv());
  redis = createClient({ url: redisUrl() });
  await redis.connect();
  token = await coordinator();
});
test.after.always(async () => {
  await svc?.close();
  await redis?.quit();
});

/** An accepted assignment as matching publishes it; resolves to the code the helper shows. */
async function accepted(taskId: string): Promise<string> {
  const helperId = randomUUID();
  const event = assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId, helperId });
  await redis.xAdd(`${svc.prefix}events:matching`, '*', toStreamEntry(event));
  const asHelper = await helper(helperId);
  return eventually('the code in the helper view', async () => {
    const mine = await ok<{ items: Array<{ assignmentId: string; code: string }> }>(call(`${svc.url}/v1/checkins/me`, asHelper));
    return mine.items.find((i) => i.assignmentId === event.assignmentId)?.code;
  }, { timeoutMs: 20_000, intervalMs: 100 });
}

test('five helpers checked in at once at a site for two: two are in, three are refused as site-full, and two are present', async (t) => {
  const site = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody({ name: 'Deich Nord', capacity: 2 })), 201);
  const task = await ok<TaskView>(call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(site.id, { headcount: 5 })), 201);
  const codes = await Promise.all(Array.from({ length: 5 }, () => accepted(task.id)));
  // WHEN all five codes are scanned at the same moment (two site leads' devices and retries)
  const responses = await Promise.all(codes.map((code) => call(`${svc.url}/v1/checkins`, token, 'POST', { siteId: site.id, code })));
  const outcomes = await Promise.all(responses.map(async (r) => (r.status === 201 ? 'in' : ((await r.json()) as { reason: string }).reason)));
  // THEN the site's capacity holds, and the database agrees
  t.deepEqual(outcomes.sort(), ['in', 'in', 'site-full', 'site-full', 'site-full']);
  t.is(await svc.tasks.models.Attendance.count({ where: { siteId: site.id, checkedOutAt: null } }), 2);
});
