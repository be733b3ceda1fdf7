import test from 'ava';
import fc from 'fast-check';
import { annotations } from '../api/annotations.js';
import { apply, at, deployment, event, hpa, plan, state, t0 } from './fixtures.js';
import type { NamespaceState } from './model.js';
import { planNamespace } from './surge-planner.js';

const replicas = (s: NamespaceState, name: string) => s.deployments.find((d) => d.metadata?.name === name)?.spec?.replicas;
const three = ['registration', 'tasks', 'matching'];

test('GIVEN three services on standby WHEN a severity-3 event is declared THEN each is raised to its surge floor at once', (t) => {
  const s = state({ events: [event('flood')], plans: three.map((n) => plan(n)), deployments: three.map((n) => deployment(n, 1)) });
  const result = planNamespace(s);
  t.deepEqual(
    result.patches,
    three.sort().map((name) => ({ kind: 'Deployment', name, annotations: { [annotations.appliedFloor]: '6', [annotations.surgePlan]: name, [annotations.lastScaleTime]: t0.toISOString() }, replicas: 6 })),
  );
  t.deepEqual(result.kubeEvents.map((e) => `${e.reason} ${e.regarding.kind}`), [
    'ScaledUp Deployment', 'ScaledUp Deployment', 'ScaledUp Deployment', 'ScaledUp DisasterEvent',
  ], 'each scaling action is told on the target, and the incident gets one Event naming all three');
  t.is(result.kubeEvents.at(-1)?.message, 'Raised matching from 1 to 6 replicas. Raised registration from 1 to 6 replicas. Raised tasks from 1 to 6 replicas.');
  t.is(result.eventStatuses.get('flood')?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
});

test('GIVEN the surge applied and pods ready THEN Ready is True with the time to surge, and a second reconcile changes nothing', (t) => {
  let s = state({ events: [event('flood')], plans: three.map((n) => plan(n)), deployments: three.map((n) => deployment(n, 1)) });
  s = apply(s, at(4));
  const result = planNamespace(s);
  const status = result.eventStatuses.get('flood');
  t.is(status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'SurgeReached');
  t.is(status?.timeToSurgeSeconds, 4);
  t.is(status?.phase, 'Ready');
  t.deepEqual(result.patches, []);
  t.deepEqual(result.kubeEvents.map((e) => e.reason), ['SurgeReady']);
  const again = planNamespace(apply(s, at(5)));
  t.deepEqual(again.patches, []);
  t.deepEqual(again.kubeEvents, [], 'no Event is recorded twice');
});

test('GIVEN an ended event THEN the target stays up for the stabilization window, then steps down by stepReplicas per interval to standby', (t) => {
  let s = state({ events: [event('flood', { severity: 4 })], plans: [plan('tasks')], deployments: [deployment('tasks', 1)] });
  s = apply(s, at(1));
  t.is(replicas(s, 'tasks'), 8);
  s = { ...s, events: [event('flood', { severity: 4, state: 'Ended' }, { status: s.events[0]?.status })] };
  const seen: Array<number | undefined> = [];
  for (const second of [2, 30, 61, 62, 65, 71, 81, 91, 101, 111]) {
    s = apply({ ...s, now: at(second) }, at(second));
    seen.push(replicas(s, 'tasks'));
  }
  // window 60 s from t=1 → first step at 61 s, then every 10 s: 8 → 6 → 4 → 2 → 1
  t.deepEqual(seen, [8, 8, 8, 6, 6, 6, 4, 2, 1, 1]);
  t.is(s.deployments[0]?.metadata?.annotations?.[annotations.appliedFloor], undefined, 'back at standby the operator forgets the target');
});

test('GIVEN two overlapping events WHEN the larger one ends THEN the floor steps down only to the other one', (t) => {
  let s = state({
    events: [event('storm', { severity: 2 }), event('flood', { severity: 4 })],
    plans: [plan('tasks', { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 10, stepIntervalSeconds: 0 } })],
    deployments: [deployment('tasks', 1)],
  });
  s = apply(s, at(1));
  t.is(replicas(s, 'tasks'), 8);
  s = { ...s, events: [s.events[0]!, event('flood', { severity: 4, state: 'Ended' }, { status: s.events[1]?.status })] };
  s = apply(s, at(2));
  t.is(replicas(s, 'tasks'), 4);
  t.deepEqual(s.plans[0]?.status?.drivenBy, ['storm']);
});

test('GIVEN an HPA on the target THEN its minReplicas (and maxReplicas) are raised with the originals remembered, and restored on stand-down', (t) => {
  let s = state({
    events: [event('flood', { severity: 4 })],
    plans: [plan('matching', { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 100, stepIntervalSeconds: 0 } })],
    deployments: [deployment('matching', 2)],
    hpas: [hpa('matching', 'matching', 2, 5)],
  });
  const first = planNamespace(s);
  t.deepEqual(first.patches[0], {
    kind: 'HorizontalPodAutoscaler',
    name: 'matching',
    patch: {
      metadata: { annotations: { [annotations.appliedFloor]: '8', [annotations.surgePlan]: 'matching', [annotations.originalMinReplicas]: '2', [annotations.originalMaxReplicas]: '5', [annotations.appliedMaxReplicas]: '8', [annotations.lastScaleTime]: t0.toISOString() } },
      spec: { minReplicas: 8, maxReplicas: 8 },
    },
  });
  s = apply(s, at(1));
  t.is(s.hpas[0]?.spec?.minReplicas, 8);
  s = { ...s, events: [event('flood', { severity: 4, state: 'Ended' }, { status: s.events[0]?.status })] };
  s = apply(s, at(2));
  t.is(s.hpas[0]?.spec?.minReplicas, 2);
  t.is(s.hpas[0]?.spec?.maxReplicas, 5);
  t.deepEqual(s.hpas[0]?.metadata?.annotations, {});
});

test('GIVEN a surge WHEN someone scales the target below the floor THEN it is restored and a DriftCorrected Event says so', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('tasks')], deployments: [deployment('tasks', 1)] });
  s = apply(apply(s, at(1)), at(2));
  s.deployments[0]!.spec!.replicas = 2;
  const result = planNamespace({ ...s, now: at(2) });
  t.deepEqual(result.patches, [{ kind: 'Deployment', name: 'tasks', annotations: { [annotations.lastScaleTime]: at(2).toISOString() }, replicas: 6 }]);
  t.deepEqual(result.kubeEvents.map((e) => [e.reason, e.type, e.regarding.kind]), [['DriftCorrected', 'Warning', 'Deployment'], ['DriftCorrected', 'Warning', 'DisasterEvent']]);
});

test('GIVEN a paused SurgePlan THEN its target is left alone and the status says so', (t) => {
  const s = state({ events: [event('flood')], plans: [plan('tasks', {}, { [annotations.paused]: 'true' })], deployments: [deployment('tasks', 1)] });
  const result = planNamespace(s);
  t.deepEqual(result.patches, []);
  t.is(result.planStatuses.get('tasks')?.conditions?.find((c) => c.type === 'Paused')?.status, 'True');
});

test('GIVEN the events cannot be read THEN the operator never scales down', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('tasks', { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 10, stepIntervalSeconds: 0 } })], deployments: [deployment('tasks', 1)] });
  s = apply(s, at(1));
  const result = planNamespace({ ...s, events: [], synced: false, now: at(1000) });
  t.deepEqual(result.patches, []);
  t.is(result.planStatuses.get('tasks')?.floor, 6);
});

test('GIVEN a plan whose Deployment does not exist THEN nothing is patched and the event is Degraded with a clear message', (t) => {
  const result = planNamespace(state({ events: [event('flood')], plans: [plan('tasks')] }));
  t.deepEqual(result.patches, []);
  const degraded = result.eventStatuses.get('flood')?.conditions?.find((c) => c.type === 'Degraded');
  t.is(degraded?.reason, 'TargetNotFound');
  t.regex(degraded?.message ?? '', /SurgePlan tasks names Deployment tasks, which does not exist/);
  t.true(result.kubeEvents.some((e) => e.reason === 'TargetNotFound' && e.regarding.kind === 'SurgePlan'));
});

test('GIVEN a window in the future THEN nothing scales before the pre-warm time and the wake-up is set to it', (t) => {
  const s = state({ events: [event('flood', { window: { start: at(600).toISOString() } })], plans: [plan('tasks', { prewarmSeconds: 300 })], deployments: [deployment('tasks', 1)] });
  const before = planNamespace(s);
  t.deepEqual(before.patches, []);
  t.deepEqual(before.wakeAt, at(300));
  t.is(before.eventStatuses.get('flood')?.phase, 'Scheduled');
  t.is(planNamespace({ ...s, now: at(300) }).patches.length, 1);
});

const scenario = fc.record({
  severities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }),
  start: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 3, maxLength: 3 }),
  withHpa: fc.boolean(),
});

test('property: after the patches are applied, planning again yields no patches (idempotent reconcile)', (t) => {
  fc.assert(
    fc.property(scenario, ({ severities, start, withHpa }) => {
      const s = state({
        events: severities.map((severity, i) => event(`e${i}`, { severity })),
        plans: three.map((n) => plan(n)),
        deployments: three.map((n, i) => deployment(n, start[i] ?? 1)),
        hpas: withHpa ? [hpa('tasks', 'tasks', 1, 3)] : [],
      });
      const next = apply(s, t0);
      return planNamespace(next).patches.length === 0;
    }),
  );
  t.pass();
});

test('GIVEN a surge WHEN its SurgePlan is deleted THEN the HPA gets its original bounds back and the operator lets go of the target', (t) => {
  let s = state({ events: [event('flood', { severity: 4 })], plans: [plan('matching')], deployments: [deployment('matching', 2)], hpas: [hpa('matching', 'matching', 2, 5)] });
  s = apply(s, at(1));
  t.is(s.hpas[0]?.spec?.minReplicas, 8);
  const result = planNamespace({ ...s, plans: [], now: at(2) });
  t.deepEqual(result.patches.map((p) => p.kind), ['HorizontalPodAutoscaler']);
  s = apply({ ...s, plans: [] }, at(2));
  t.deepEqual([s.hpas[0]?.spec?.minReplicas, s.hpas[0]?.spec?.maxReplicas, s.hpas[0]?.metadata?.annotations], [2, 5, {}]);
  t.deepEqual(planNamespace({ ...s, now: at(3) }).patches, [], 'released once');
});
