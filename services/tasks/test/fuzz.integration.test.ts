import test from 'ava';
import { fuzzOpenApi } from '@kathelfer/common/testing/openapi-fuzz';
import { call, coordinator, helper, ok, siteBody, startTasks, taskBody, type Running, type SiteView, type TaskView } from './support/tasks.js';

let svc: Running;
test.before(async () => {
  svc = await startTasks();
});
test.after.always(() => svc?.close());

// See services/registration/test/fuzz.integration.test.ts for how the count was chosen.
const numRuns = Number(process.env.FUZZ_RUNS ?? 1500);

test('requests generated from its own OpenAPI document never get a 5xx, and every 4xx is a problem document', async (t) => {
  const token = await coordinator();
  const site = await ok<SiteView>(call(`${svc.url}/v1/sites`, token, 'POST', siteBody()), 201);
  const task = await ok<TaskView>(call(`${svc.url}/v1/tasks`, token, 'POST', taskBody(site.id)), 201);
  const report = await fuzzOpenApi({
    url: svc.url,
    authorizations: [`Bearer ${token}`, `Bearer ${await helper('8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00')}`],
    knownIds: [site.id, task.id, 'flood-2026'],
    numRuns,
  });
  t.is(report.requests, numRuns);
  t.log(`${report.requests} requests over ${report.operations} operations (seed ${report.seed}):`, JSON.stringify(report.statuses));
});
