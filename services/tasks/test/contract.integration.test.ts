import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { contracts, schemaOf } from '@kathelfer/contracts';
import { eventually, redisUrl } from '@kathelfer/hack/test-env';
import { QueryTypes } from 'sequelize';
import { assignmentEvent, call, coordinator, helper, ok, siteBody, startTasks, taskBody, testEnv, toStreamEntry, type Running, type SiteView, type TaskView } from './support/tasks.js';

// The task service's real output — its own code writing its outbox in PostgreSQL — parsed with the
// schema each consumer (matching) parses it with. A renamed or retyped field fails here.
let svc: Running;
let redis: ReturnType<typeof createClient>;
test.before(async () => {
  svc = await startTasks(testEnv());
  redis = createClient({ url: redisUrl() });
  await redis.connect();
});
test.after.always(async () => {
  await svc?.close();
  await redis?.quit();
});

test('every event type the task service declares is produced by its own code and parses with the schema its consumers use', async (t) => {
  const token = await coordinator();
  const site = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody()), 201);
  const task = await ok<TaskView>(call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(site.id, { headcount: 2 })), 201);
  await ok(call(`${svc.url}/v1/tasks/${task.id}`, token, 'PATCH', { version: task.version, headcount: 3 }));
  // an acceptance from matching moves the fill: the service publishes task.updated by itself
  const helperId = randomUUID();
  const accepted = assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id, helperId });
  await redis.xAdd(`${svc.prefix}events:matching`, '*', toStreamEntry(accepted));
  const asHelper = await helper(helperId);
  const mine = await eventually('the assignment', async () => {
    const body = await ok<{ items: Array<{ assignmentId: string; code: string }> }>(call(`${svc.url}/v1/checkins/me`, asHelper));
    return body.items.find((i) => i.assignmentId === accepted.assignmentId);
  }, { timeoutMs: 20_000, intervalMs: 100 });
  await ok(call(`${svc.url}/v1/checkins`, token, 'POST', { siteId: site.id, code: mine.code }), 201);
  await ok(call(`${svc.url}/v1/checkins/checkout`, token, 'POST', { siteId: site.id, code: mine.code }));
  const current = await ok<TaskView>(call(`${svc.url}/v1/tasks/${task.id}`, token));
  await ok(call(`${svc.url}/v1/tasks/${task.id}`, token, 'PATCH', { version: current.version, status: 'cancelled' }));

  const rows = await svc.tasks.sequelize.query<{ type: string; version: number; payload: unknown }>(
    `SELECT type, version, payload FROM "${svc.schema}".outbox WHERE stream = 'tasks' ORDER BY seq`,
    { type: QueryTypes.SELECT },
  );
  for (const row of rows) {
    const parsed = schemaOf('tasks', row.type, row.version)?.safeParse(row.payload);
    t.true(parsed?.success, `${row.type} v${row.version}: ${parsed?.success === false ? parsed.error.message : 'not declared'}`);
  }
  t.deepEqual([...new Set(rows.map((r) => r.type))].sort(), Object.keys(contracts.tasks.events).sort(), 'every declared type was produced');
  t.true(rows.filter((r) => r.type === 'task.updated').some((r) => (r.payload as { filledCount: number }).filledCount === 1), 'the fill change was published');
});
