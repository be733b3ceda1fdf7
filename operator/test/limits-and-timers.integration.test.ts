/** The operator's bounds against the real API server: how many replicas it asks for, how often it wakes. */
import test from 'ava';
import { eventually } from '@kathelfer/hack/test-env';
import { createMetrics } from '../src/runtime/metrics.js';
import {
  create, createDeployment, createHpa, disasterEvent, eventsFor, getPlan, installCrds, patchSpec, readHpa, replicasOf, sleep, surgePlan, untilCondition, testScope,
} from './support.js';

const scope = testScope();
test.before(async () => installCrds());
test.after.always(scope.cleanUp);

test('GIVEN a SurgePlan with helpersPerReplica but no maxReplicas THEN the API server refuses it with a message that says why', async (t) => {
  const ns = await scope.namespace('cel-max');
  const error = await t.throwsAsync(create(ns, surgePlan('web', { helpersPerReplica: 1 })));
  t.regex(JSON.stringify((error as { body?: unknown }).body ?? error?.message), /maxReplicas is required when helpersPerReplica is set/);
});

test('GIVEN a floor above --max-replicas THEN the Deployment and the HPA are capped there, with a Warning Event and the Capped condition', async (t) => {
  const ns = await scope.namespaceWithOperator('cap', { maxReplicas: 5 });
  await createDeployment(ns, 'web', 1);
  await createDeployment(ns, 'api', 1);
  await createHpa(ns, 'api', 1, 3);
  for (const name of ['web', 'api']) await create(ns, surgePlan(name, { maxReplicas: 10_000, helpersPerReplica: 1 }));
  await create(ns, disasterEvent('flood', { severity: 3, expectedHelpers: 1_000_000 }));
  await untilCondition(ns, 'flood', 'Ready', 'True');
  t.is((await replicasOf(ns, 'web')).desired, 5);
  const hpa = await readHpa(ns, 'api');
  t.deepEqual([hpa.spec?.minReplicas, hpa.spec?.maxReplicas], [5, 5]);
  const capped = (await getPlan(ns, 'web')).status?.conditions?.find((c) => c.type === 'Capped');
  t.is(capped?.status, 'True');
  const warning = await eventually('FloorCapped Event', async () => (await eventsFor(ns, 'web', 'FloorCapped'))[0]);
  t.is(warning.type, 'Warning');
  t.regex(warning.message ?? '', /ask for 10000 replicas of web; the operator caps every floor at 5/);
});

test('GIVEN incidents whose windows end a month and ten years ahead, one of them ended THEN the operator reconciles a handful of times, not hundreds, and no timer overflows', async (t) => {
  const ns = await scope.namespace('far-future');
  const overflows: string[] = [];
  const onWarning = (w: Error) => { if (w.name === 'TimeoutOverflowWarning') overflows.push(w.message); };
  process.on('warning', onWarning);
  const metrics = createMetrics();
  await scope.operator(ns, { metrics });
  await createDeployment(ns, 'web', 1);
  await create(ns, surgePlan('web'));
  const month = new Date(Date.now() + 31 * 24 * 3600 * 1000).toISOString();
  const decade = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000).toISOString();
  await create(ns, disasterEvent('forecast', { severity: 2, window: { start: month, end: decade } }));
  await create(ns, disasterEvent('record', { severity: 3, state: 'Ended', window: { end: month } }));
  await create(ns, disasterEvent('long', { severity: 3, window: { end: decade } }));
  await untilCondition(ns, 'long', 'Ready', 'True');
  const count = async () => (await metrics.reconcileDuration.get()).values.find((v) => v.metricName === 'kathelfer_operator_reconcile_duration_seconds_count' && v.labels.result === 'ok')?.value ?? 0;
  const before = await count();
  await sleep(5000);
  const during = (await count()) - before;
  process.off('warning', onWarning);
  t.true(during <= 10, `${during} reconciles in 5 s of quiet (an overflowing timer made ~2,500)`);
  t.deepEqual(overflows, []);
  await patchSpec(ns, 'disasterevents', 'long', { spec: { state: 'Ended' } });
});
