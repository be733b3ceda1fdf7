import test from 'ava';
import { eventually } from '@kathelfer/hack/test-env';
import { annotations } from '../src/api/annotations.js';
import {
  apps, autoscaling, create, createDeployment, custom, disasterEvent, getEvent, getPlan, installCrds, kubeEvents, patchSpec, replicasOf, surgePlan, testScope, untilCondition, untilReplicas,
} from './support.js';
import { group, version } from '../src/api/annotations.js';
import * as k8s from '@kubernetes/client-node';
import { createMetrics } from '../src/runtime/metrics.js';

const services = ['registration', 'tasks', 'matching'];
const scope = testScope();
test.before(async () => installCrds());
test.after.always(scope.cleanUp);
const namespaceWithOperator = (prefix: string) => scope.namespaceWithOperator(prefix);

async function platform(prefix: string, plan: Parameters<typeof surgePlan>[1] = {}): Promise<string> {
  const ns = await namespaceWithOperator(prefix);
  for (const name of services) {
    await createDeployment(ns, name, 1);
    await create(ns, surgePlan(name, plan));
  }
  return ns;
}

test('GIVEN three services on standby WHEN a severity-3 DisasterEvent is declared THEN all reach their surge floor, Ready turns True with the time to surge, and ending it steps them back to standby', async (t) => {
  const ns = await platform('surge');
  await create(ns, disasterEvent('hochwasser', { severity: 3 }));
  const ready = await untilCondition(ns, 'hochwasser', 'Ready', 'True');
  for (const name of services) t.deepEqual(await replicasOf(ns, name), { desired: 4, ready: 4 });
  t.is(ready.status?.phase, 'Ready');
  t.true((ready.status?.timeToSurgeSeconds ?? -1) >= 0);
  t.deepEqual(ready.status?.targets?.map((x) => [x.name, x.floor, x.ready]).sort(), services.map((s) => [s, 4, 4]).sort());
  const reasons = await eventually('ScaledUp and SurgeReady Events', async () => {
    const r = (await kubeEvents(ns)).map((e) => e.reason);
    return r.includes('ScaledUp') && r.includes('SurgeReady') ? r : undefined;
  });
  t.true(reasons.length >= 4, 'one ScaledUp per service and SurgeReady');

  await patchSpec(ns, 'disasterevents', 'hochwasser', { spec: { state: 'Ended' } });
  // stabilization 2 s, then 2 replicas per second: 4 → 2 → 1
  for (const name of services) await untilReplicas(ns, name, 1, 30_000);
  const ended = await getEvent(ns, 'hochwasser');
  t.is(ended.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Ended');
  t.truthy(ended.status?.endedAt);
  const stoodDown = await eventually('StoodDown Event', async () => (await kubeEvents(ns)).find((e) => e.reason === 'StoodDown'));
  t.is(stoodDown.type, 'Normal');
});

test('GIVEN two overlapping events THEN the floor is the higher one, and ending it keeps the floor of the other', async (t) => {
  const ns = await platform('overlap');
  await create(ns, disasterEvent('storm', { type: 'storm', severity: 2 }));
  await create(ns, disasterEvent('flood', { severity: 4 }));
  await untilReplicas(ns, 'tasks', 6);
  await patchSpec(ns, 'disasterevents', 'flood', { spec: { state: 'Ended' } });
  await untilReplicas(ns, 'tasks', 3, 30_000);
  // the status is written after the patch it describes
  const plan = await eventually('the plan status after the stand-down', async () => {
    const p = await getPlan(ns, 'tasks');
    return p.status?.floor === 3 ? p : undefined;
  });
  t.deepEqual(plan.status?.drivenBy, ['storm']);
});

test('GIVEN an HPA on a target THEN its minReplicas is raised during the incident and restored with the original values afterwards', async (t) => {
  const ns = await namespaceWithOperator('hpa');
  await createDeployment(ns, 'matching', 2);
  await autoscaling.createNamespacedHorizontalPodAutoscaler({
    namespace: ns,
    body: {
      metadata: { name: 'matching' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'matching' }, minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    },
  });
  await create(ns, surgePlan('matching', { standbyReplicas: 2, surgeReplicas: { severity1: 3, severity2: 4, severity3: 6, severity4: 8 } }));
  await create(ns, disasterEvent('blackout', { type: 'blackout', severity: 4 }));
  await untilCondition(ns, 'blackout', 'Ready', 'True');
  const raised = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'matching', namespace: ns });
  t.is(raised.spec?.minReplicas, 8);
  t.is(raised.spec?.maxReplicas, 8);
  t.is(raised.metadata?.annotations?.[annotations.originalMinReplicas], '2');
  t.is((await getPlan(ns, 'matching')).status?.scaledBy, 'HorizontalPodAutoscaler');

  await patchSpec(ns, 'disasterevents', 'blackout', { spec: { state: 'Ended' } });
  const restored = await eventually('HPA restored', async () => {
    const h = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'matching', namespace: ns });
    return h.spec?.minReplicas === 2 && h.metadata?.annotations?.[annotations.appliedFloor] === undefined ? h : undefined;
  }, { timeoutMs: 30_000 });
  t.is(restored.spec?.maxReplicas, 5);
});

test('GIVEN an incident WHEN someone scales a target below the floor THEN the operator restores it and says so in an Event', async (t) => {
  const ns = await platform('drift');
  await create(ns, disasterEvent('storm', { type: 'storm', severity: 3 }));
  await untilReplicas(ns, 'registration', 4);
  await apps.patchNamespacedDeploymentScale(
    { name: 'registration', namespace: ns, body: { spec: { replicas: 1 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await untilReplicas(ns, 'registration', 4);
  const drift = await eventually('DriftCorrected event', async () => (await kubeEvents(ns)).find((e) => e.reason === 'DriftCorrected'));
  t.is(drift.type, 'Warning');
  t.is(drift.involvedObject.name, 'registration');
});

test('GIVEN a paused SurgePlan THEN its target stays as it is during an incident and the plan says it is paused', async (t) => {
  const ns = await namespaceWithOperator('paused');
  await createDeployment(ns, 'tasks', 1);
  await create(ns, surgePlan('tasks', {}, { [annotations.paused]: 'true' }));
  await create(ns, disasterEvent('heat', { type: 'heat', severity: 4 }));
  const plan = await eventually('paused status', async () => {
    const p = await getPlan(ns, 'tasks');
    return p.status?.conditions?.find((c) => c.type === 'Paused')?.status === 'True' && p.status.targetFloor === 6 ? p : undefined;
  });
  t.is(plan.status?.floor, 1, 'the floor held stays where it was');
  t.is((await replicasOf(ns, 'tasks')).desired, 1);
});

test('GIVEN an event whose window starts in the future THEN the services surge prewarmSeconds before the start, not earlier', async (t) => {
  const ns = await platform('prewarm', { prewarmSeconds: 5 });
  const start = new Date(Date.now() + 9_000);
  await create(ns, disasterEvent('forecast', { type: 'storm', severity: 2, window: { start: start.toISOString() } }));
  const scheduled = await eventually('Scheduled phase', async () => {
    const e = await getEvent(ns, 'forecast');
    return e.status?.phase === 'Scheduled' ? e : undefined;
  });
  t.is(scheduled.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Scheduled');
  t.is((await replicasOf(ns, 'tasks')).desired, 1, 'nothing scales before the pre-warm time');
  await untilReplicas(ns, 'tasks', 3, 20_000);
  t.true(Date.now() >= start.getTime() - 5_000, 'the surge began at window.start - prewarmSeconds');
});

test('GIVEN a DisasterEvent is deleted THEN the services stand down as if it had ended', async (t) => {
  const ns = await platform('deleted');
  await create(ns, disasterEvent('chemical', { type: 'chemical', severity: 2 }));
  await untilReplicas(ns, 'matching', 3);
  await custom.deleteNamespacedCustomObject({ group, version, namespace: ns, plural: 'disasterevents', name: 'chemical' });
  await untilReplicas(ns, 'matching', 1, 30_000);
  t.pass('back at standby');
});

test('GIVEN --dry-run THEN the operator works out the surge but changes no target', async (t) => {
  const ns = await scope.namespace('dry-run');
  const metrics = createMetrics();
  await scope.operator(ns, { dryRun: true, metrics, logLevel: 'silent' });
  await createDeployment(ns, 'tasks', 1);
  await create(ns, surgePlan('tasks'));
  await create(ns, disasterEvent('exercise', { severity: 4 }));
  // the API server validated the would-be patch (dryRun=All) and the operator counted it
  await eventually('a dry-run scale action', async () => ((await metrics.scaleActions.get()).values.some((v) => v.value > 0) ? true : undefined));
  t.is((await replicasOf(ns, 'tasks')).desired, 1);
  t.is((await getPlan(ns, 'tasks')).status, undefined, 'no status is written either');
});
