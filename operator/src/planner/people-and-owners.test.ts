/**
 * The planner's rules about what others set: people, HPAs, other SurgePlans, a stale cache. Each
 * test replays one situation that users of similar scalers (KEDA, kube-downscaler, CronHPA, HPA)
 * have reported; the same situations run against the real API server in operator/test.
 */
import test from 'ava';
import { annotations } from '../api/annotations.js';
import { apply, at, deployment, event, hpa, plan, state, t0 } from './fixtures.js';
import type { NamespaceState } from './model.js';
import { planNamespace } from './surge-planner.js';
import { MAX_WAKE_MS } from './wake-up.js';

const fast = { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 1, stepIntervalSeconds: 0 } };
const replicas = (s: NamespaceState, name: string) => s.deployments.find((d) => d.metadata?.name === name)?.spec?.replicas;
const end = (s: NamespaceState, name: string): NamespaceState => ({
  ...s,
  events: s.events.map((e) => (e.metadata?.name === name ? { ...e, spec: { ...e.spec, state: 'Ended' } } : e)),
});

test('GIVEN two SurgePlans name one Deployment THEN the older one governs, the other is Degraded TargetClaimed naming it, and a second reconcile changes nothing', (t) => {
  const older = plan('plan-a', { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, surgeReplicas: { severity1: 6, severity2: 6, severity3: 6, severity4: 6 } });
  const newer = plan('plan-b', { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, surgeReplicas: { severity1: 4, severity2: 4, severity3: 4, severity4: 4 } });
  older.metadata = { ...older.metadata, creationTimestamp: at(-20) };
  newer.metadata = { ...newer.metadata, creationTimestamp: at(-10) };
  // plan-b sorts first by name in the listing: ownership must not depend on the order
  let s = state({ events: [event('flood')], plans: [newer, older], deployments: [deployment('web', 1)] });
  const first = planNamespace(s);
  t.deepEqual(first.patches, [{ kind: 'Deployment', name: 'web', annotations: { [annotations.appliedFloor]: '6', [annotations.surgePlan]: 'plan-a', [annotations.lastScaleTime]: t0.toISOString() }, replicas: 6 }]);
  const claimed = first.planStatuses.get('plan-b');
  t.is(claimed?.conditions?.find((c) => c.type === 'Degraded')?.reason, 'TargetClaimed');
  t.regex(claimed?.conditions?.find((c) => c.type === 'Degraded')?.message ?? '', /SurgePlan plan-a/);
  t.deepEqual(first.eventStatuses.get('flood')?.targets?.map((x) => x.name), ['web'], 'the Deployment is listed once');
  t.deepEqual(first.kubeEvents.filter((e) => e.reason === 'TargetClaimed').map((e) => e.regarding.name), ['plan-b']);
  s = apply(s, at(1));
  const again = planNamespace(s);
  t.deepEqual(again.patches, []);
  t.deepEqual(again.kubeEvents.map((e) => e.reason), ['SurgeReady'], 'the pods turned ready; TargetClaimed is not repeated');
  t.deepEqual(planNamespace(apply(s, at(2))).kubeEvents, [], 'nothing is repeated');
});

test('GIVEN an HPA raised for an incident WHEN a person raises its maxReplicas THEN it stays, during and after the incident', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('web', fast)], deployments: [deployment('web', 1)], hpas: [hpa('web', 'web', 1, 5)] });
  s = apply(s, at(1));
  t.deepEqual([s.hpas[0]?.spec?.minReplicas, s.hpas[0]?.spec?.maxReplicas], [6, 6]);
  s.hpas[0]!.spec!.maxReplicas = 20;
  t.deepEqual(planNamespace({ ...s, now: at(2) }).patches, [], 'the raise is not reverted');
  s = apply(end(s, 'flood'), at(2));
  for (let i = 3; i < 12; i++) s = apply(s, at(i));
  t.deepEqual([s.hpas[0]?.spec?.minReplicas, s.hpas[0]?.spec?.maxReplicas], [1, 20], 'min restored, the person\'s max kept');
  t.deepEqual(s.hpas[0]?.metadata?.annotations, {});
});

test('GIVEN an HPA whose minReplicas is already above the floor THEN an incident never lowers it, and a person\'s raise during it stays', (t) => {
  let s = state({ events: [event('flood', { severity: 2 })], plans: [plan('web', fast)], deployments: [deployment('web', 6)], hpas: [hpa('web', 'web', 6, 10)] });
  const first = planNamespace(s);
  t.false(first.patches.some((p) => p.kind === 'HorizontalPodAutoscaler' && p.patch.spec?.minReplicas !== undefined), 'minReplicas is not written');
  t.false(first.kubeEvents.some((e) => e.reason === 'ScaledUp'), 'no Event claims a raise');
  t.true(first.kubeEvents.some((e) => e.reason === 'FloorHeld' && /minReplicas 6 is already at or above the surge floor of 4/.test(e.message)));
  s = apply(s, at(1));
  t.is(s.hpas[0]?.spec?.minReplicas, 6);
  s.hpas[0]!.spec!.minReplicas = 8;
  t.deepEqual(planNamespace({ ...s, now: at(2) }).patches, []);
  s = apply(end(s, 'flood'), at(2));
  for (let i = 3; i < 12; i++) s = apply(s, at(i));
  t.is(s.hpas[0]?.spec?.minReplicas, 8, 'a value a person set during the incident stays after it');
});

test('GIVEN replicas added by hand above the floor WHEN the incident ends THEN the stand-down steps from the actual count and the Events say so', (t) => {
  let s = state({ events: [event('flood', { severity: 3 })], plans: [plan('web', { surgeReplicas: { severity1: 2, severity2: 3, severity3: 4, severity4: 6 }, ...fast })], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  t.is(replicas(s, 'web'), 4);
  s.deployments[0]!.spec!.replicas = 9;
  t.deepEqual(planNamespace({ ...s, now: at(2) }).patches, [], 'replicas above the floor are kept during the incident');
  s = end(s, 'flood');
  const step = planNamespace({ ...s, now: at(3) });
  t.deepEqual(step.patches, [{ kind: 'Deployment', name: 'web', annotations: { [annotations.appliedFloor]: '8', [annotations.lastScaleTime]: at(3).toISOString() }, replicas: 8 }]);
  t.regex(step.kubeEvents.find((e) => e.reason === 'ScaledDown')?.message ?? '', /from 9 to 8 replicas/);
  const seen: Array<number | undefined> = [];
  for (let i = 3; i < 14; i++) {
    s = apply({ ...s, now: at(i) }, at(i));
    seen.push(replicas(s, 'web'));
  }
  t.deepEqual(seen, [8, 7, 6, 5, 4, 3, 2, 1, 1, 1, 1]);
});

test('GIVEN a surged Deployment WHEN an HPA appears mid-incident, the incident ends and the HPA is deleted THEN nothing scales up without an incident', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('web', fast)], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  t.is(replicas(s, 'web'), 6);
  s = { ...s, hpas: [hpa('web', 'web', 1, 10)] };
  s = apply(s, at(2));
  t.is(s.deployments[0]?.metadata?.annotations?.[annotations.appliedFloor], undefined, 'the Deployment\'s marks move to the HPA');
  t.is(s.hpas[0]?.metadata?.annotations?.[annotations.originalMinReplicas], '1', 'the HPA\'s own minReplicas is the original, not the raised value');
  s = end(s, 'flood');
  for (let i = 3; i < 20; i++) s = apply(s, at(i));
  t.is(s.hpas[0]?.spec?.minReplicas, 1);
  s.deployments[0]!.spec!.replicas = 1; // the HPA scaled it down
  s = { ...s, hpas: [] };
  const later = planNamespace({ ...s, now: at(30) });
  t.deepEqual(later.patches, [], 'no DriftCorrected 1 → 6 without an incident');
});

test('GIVEN a mark edited by hand to a high value and no incident THEN the operator never scales up', (t) => {
  const s = state({ plans: [plan('web', fast)], deployments: [deployment('web', 2, 2, { [annotations.appliedFloor]: '50', [annotations.surgePlan]: 'web' })] });
  const result = planNamespace(s);
  t.false(result.patches.some((p) => p.kind === 'Deployment' && p.replicas !== undefined && p.replicas > 2));
});

test('GIVEN an HPA whose original-min annotation was removed by hand THEN stand-down leaves minReplicas and says in a Warning it cannot know the original', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('web', { ...fast, scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 10, stepIntervalSeconds: 0 } })], deployments: [deployment('web', 1)], hpas: [hpa('web', 'web', 1, 10)] });
  s = apply(s, at(1));
  delete s.hpas[0]!.metadata!.annotations![annotations.originalMinReplicas];
  s = end(s, 'flood');
  const result = planNamespace({ ...s, now: at(2) });
  const warning = result.kubeEvents.find((e) => e.reason === 'OriginalUnknown');
  t.is(warning?.type, 'Warning');
  t.regex(warning?.message ?? '', /minReplicas 6 left as is/);
  const hpaPatch = result.patches.find((p) => p.kind === 'HorizontalPodAutoscaler');
  t.is(hpaPatch?.kind === 'HorizontalPodAutoscaler' ? hpaPatch.patch.spec?.minReplicas : undefined, undefined, 'minReplicas is not guessed');
});

test('GIVEN a plan without maxReplicas and an incident expecting a million helpers THEN the floor is capped at --max-replicas with a Warning and a condition', (t) => {
  const s = state({ events: [event('flood', { expectedHelpers: 1_000_000 })], plans: [plan('web', { helpersPerReplica: 1 })], deployments: [deployment('web', 1)], hpas: [hpa('web', 'web', 1, 5)], maxReplicas: 100 });
  const result = planNamespace(s);
  const hpaPatch = result.patches.find((p) => p.kind === 'HorizontalPodAutoscaler');
  t.deepEqual(hpaPatch?.kind === 'HorizontalPodAutoscaler' ? hpaPatch.patch.spec : undefined, { minReplicas: 100, maxReplicas: 100 });
  t.is(result.planStatuses.get('web')?.conditions?.find((c) => c.type === 'Capped')?.status, 'True');
  t.true(result.kubeEvents.some((e) => e.reason === 'FloorCapped' && e.type === 'Warning' && /1000000/.test(e.message)));
});

test('GIVEN an ended event whose window ends years ahead THEN no wake-up is scheduled for it; an active one wakes at most 2^31-1 ms ahead', (t) => {
  const farEnd = new Date(t0.getTime() + 10 * 365 * 24 * 3600 * 1000).toISOString();
  let s = state({ events: [event('flood', { window: { end: farEnd } })], plans: [plan('web', fast)], deployments: [deployment('web', 1)] });
  const active = planNamespace(s);
  t.is(active.wakeAt?.getTime(), t0.getTime() + MAX_WAKE_MS);
  s = apply(s, at(1));
  s = end(s, 'flood');
  for (let i = 2; i < 12; i++) s = apply(s, at(i));
  t.is(planNamespace({ ...s, now: at(12) }).wakeAt, undefined, 'a stood-down, ended event needs no timer');
});

test('GIVEN a stand-down step was just written WHEN the next reconcile sees that write THEN it takes no second step and records no Event twice', (t) => {
  let s = state({ events: [event('flood', { severity: 4 })], plans: [plan('web', { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 2, stepIntervalSeconds: 10 } })], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  s = end(s, 'flood');
  s = apply(s, at(2));
  t.is(replicas(s, 'web'), 6);
  const again = planNamespace({ ...s, now: at(2.3) });
  t.deepEqual(again.patches, []);
  t.deepEqual(again.kubeEvents, []);
});

test('GIVEN the caches are not current (a reconnect after an API server restart) THEN nothing is lowered or released, even with no SurgePlan in view', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('web', fast)], deployments: [deployment('web', 1)], hpas: [hpa('web', 'web', 1, 5)] });
  s = apply(s, at(1));
  const partial = planNamespace({ ...s, plans: [], synced: false, now: at(2) });
  t.deepEqual(partial.patches, [], 'no PlanRemoved release on a partial list');
  const ended = planNamespace({ ...end(s, 'flood'), synced: false, now: at(100) });
  t.deepEqual(ended.patches, [], 'no stand-down step in doubt');
});

test('GIVEN a paused plan whose target is still raised WHEN the incident ends THEN the incident is not reported as stood down', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('web', fast)], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  s = { ...end(s, 'flood'), plans: [plan('web', fast, { [annotations.paused]: 'true' })] };
  const result = planNamespace({ ...s, now: at(5) });
  const status = result.eventStatuses.get('flood');
  t.is(status?.phase, 'StandingDown');
  t.is(status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'PausedAboveFloor');
  t.regex(status?.conditions?.find((c) => c.type === 'Progressing')?.message ?? '', /web stays at a floor of 6: its SurgePlan web is paused/);
});

test('GIVEN a stand-down step applied WHEN its status write failed and the namespace is retried at once THEN no second step is taken before the interval', (t) => {
  let s = state({ events: [event('flood', { severity: 4 })], plans: [plan('web', { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 2, stepIntervalSeconds: 10 } })], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  s = apply({ ...end(s, 'flood'), now: at(80) }, at(80));
  t.is(replicas(s, 'web'), 6);
  // the target patch landed; the status write that would record lastScaleTime did not
  const withoutStatus = { ...s, plans: s.plans.map((p) => ({ ...p, status: { ...p.status, lastScaleTime: at(1).toISOString() } })) };
  t.deepEqual(planNamespace({ ...withoutStatus, now: at(80.05) }).patches, [], 'the step time written on the target holds the interval');
});

test('GIVEN a person raised an HPA above the floor WHEN a more severe incident raises it further and then ends THEN the person\'s value is what stand-down comes back to', (t) => {
  let s = state({ events: [event('flood', { severity: 3 })], plans: [plan('web', { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 10, stepIntervalSeconds: 0 } })], deployments: [deployment('web', 2)], hpas: [hpa('web', 'web', 2, 4)] });
  s = apply(s, at(1));
  t.deepEqual([s.hpas[0]?.spec?.minReplicas, s.hpas[0]?.spec?.maxReplicas], [6, 6]);
  s.hpas[0]!.spec = { ...s.hpas[0]!.spec!, minReplicas: 7, maxReplicas: 7 };
  s = { ...s, events: [event('flood', { severity: 4 }, { status: s.events[0]?.status })] };
  s = apply(s, at(2));
  t.deepEqual([s.hpas[0]?.spec?.minReplicas, s.hpas[0]?.spec?.maxReplicas], [8, 8]);
  s = apply(end(s, 'flood'), at(3));
  for (let i = 4; i < 10; i++) s = apply(s, at(i));
  t.deepEqual([s.hpas[0]?.spec?.minReplicas, s.hpas[0]?.spec?.maxReplicas], [7, 7]);
});

test('GIVEN replicas a person added above the floor WHEN one of two incidents ends THEN they stay while the other incident lasts', (t) => {
  let s = state({ events: [event('storm', { severity: 3 }), event('flood', { severity: 4 })], plans: [plan('web', fast)], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  t.is(replicas(s, 'web'), 8);
  s.deployments[0]!.spec!.replicas = 12;
  s = end(s, 'flood');
  for (let i = 2; i < 12; i++) s = apply(s, at(i));
  t.is(replicas(s, 'web'), 12, 'kept while the storm lasts');
  t.is(s.plans[0]?.status?.floor, 6);
  s = end(s, 'storm');
  for (let i = 12; i < 30; i++) s = apply(s, at(i));
  t.is(replicas(s, 'web'), 1, 'stepped down once the last incident ended');
});

test('GIVEN two plans with different prewarmSeconds and a window ahead THEN the namespace wakes at each plan\'s own surge time', (t) => {
  const s = state({
    events: [event('forecast', { window: { start: at(3600).toISOString() } })],
    plans: [plan('a', { prewarmSeconds: 600 }), plan('b', { prewarmSeconds: 0 })],
    deployments: [deployment('a', 1), deployment('b', 1)],
  });
  t.deepEqual(planNamespace({ ...s, now: at(3000) }).wakeAt, at(3600));
});

test('GIVEN an HPA appears for a surged Deployment that is below the floor THEN the mark removal and the replicas lift are one write of the Deployment', (t) => {
  let s = state({ events: [event('flood')], plans: [plan('web', fast)], deployments: [deployment('web', 1)] });
  s = apply(s, at(1));
  s.deployments[0]!.spec!.replicas = 1;
  const result = planNamespace({ ...s, hpas: [hpa('web', 'web', 1, 10)], now: at(2) });
  const writes = result.patches.filter((p) => p.kind === 'Deployment');
  t.is(writes.length, 1);
  t.like(writes[0], { kind: 'Deployment', name: 'web', replicas: 6, annotations: { [annotations.appliedFloor]: null } });
});
