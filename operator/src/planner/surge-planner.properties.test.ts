/**
 * Properties of the planner over arbitrary namespaces: any marks (also garbled or edited by hand),
 * HPAs or none, people's values above and below the floor, events active, scheduled, ended, with
 * windows up to ten years ahead, caches current or not.
 */
import test from 'ava';
import fc from 'fast-check';
import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { annotations } from '../api/annotations.js';
import type { DisasterEvent } from '../api/types.generated.js';
import { deployment, event, hpa, plan, state, t0 } from './fixtures.js';
import type { NamespacePlan, NamespaceState, TargetPatch } from './model.js';
import { planNamespace } from './surge-planner.js';
import { count } from './target-rules.js';
import { MAX_WAKE_MS } from './wake-up.js';

const TEN_YEARS_S = 10 * 365 * 24 * 3600;
const offset = fc.oneof(fc.integer({ min: -3600, max: 3600 }), fc.integer({ min: -TEN_YEARS_S, max: TEN_YEARS_S }));
const iso = (s: number) => new Date(t0.getTime() + s * 1000).toISOString();
const markValue = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 200 }).map(String), fc.constantFrom('', 'x', '-3', '1e3'));

const eventArb = (name: string, active: boolean) =>
  fc.record({
    severity: fc.integer({ min: 1, max: 4 }),
    expectedHelpers: fc.option(fc.integer({ min: 1, max: 2_000_000 }), { nil: undefined }),
    start: fc.option(offset, { nil: undefined }),
    end: fc.option(offset, { nil: undefined }),
    ended: active ? fc.constant(false) : fc.boolean(),
  }).map(({ severity, expectedHelpers, start, end, ended }): DisasterEvent => event(name, {
    severity,
    ...(expectedHelpers !== undefined ? { expectedHelpers } : {}),
    ...(start !== undefined || end !== undefined ? { window: { ...(start !== undefined ? { start: iso(start) } : {}), ...(end !== undefined ? { end: iso(end) } : {}) } } : {}),
    state: ended ? 'Ended' : 'Active',
  }));

const marks = fc.record({
  applied: markValue, plan: fc.constantFrom(undefined, 'web', 'gone'), originalMin: markValue, originalMax: markValue, appliedMax: markValue,
}).map((m) => Object.fromEntries(Object.entries({
  [annotations.appliedFloor]: m.applied, [annotations.surgePlan]: m.plan, [annotations.originalMinReplicas]: m.originalMin,
  [annotations.originalMaxReplicas]: m.originalMax, [annotations.appliedMaxReplicas]: m.appliedMax,
}).filter(([, v]) => v !== undefined)) as Record<string, string>);

const namespaceArb = fc.record({
  events: fc.array(fc.boolean(), { maxLength: 3 }).chain((flags) => fc.tuple(...flags.map((f, i) => eventArb(`e${i}`, f)))),
  replicas: fc.integer({ min: 0, max: 40 }),
  deploymentMarks: marks,
  withHpa: fc.boolean(),
  hpaMin: fc.integer({ min: 1, max: 40 }),
  hpaMaxExtra: fc.integer({ min: 0, max: 40 }),
  hpaMarks: marks,
  standby: fc.integer({ min: 1, max: 3 }),
  step: fc.integer({ min: 1, max: 5 }),
  window: fc.constantFrom(0, 30),
  withMax: fc.boolean(),
  lowerFloorSince: fc.option(fc.integer({ min: -600, max: 0 }), { nil: undefined }),
  synced: fc.boolean(),
  paused: fc.boolean(),
  planPresent: fc.boolean(),
  cap: fc.constantFrom(10, 100),
}).map((a): NamespaceState => {
  const p = plan('web', {
    standbyReplicas: a.standby,
    surgeReplicas: { severity1: a.standby + 1, severity2: a.standby + 2, severity3: a.standby + 4, severity4: a.standby + 6 },
    ...(a.withMax ? { maxReplicas: a.standby + 20 } : {}),
    helpersPerReplica: 500,
    scaleDown: { stabilizationWindowSeconds: a.window, stepReplicas: a.step, stepIntervalSeconds: 10 },
  }, a.paused ? { [annotations.paused]: 'true' } : {});
  if (a.lowerFloorSince !== undefined) p.status = { lowerFloorSince: iso(a.lowerFloorSince), lastScaleTime: iso(a.lowerFloorSince) };
  return state({
    events: a.events,
    plans: a.planPresent ? [p] : [],
    deployments: [deployment('web', a.replicas, a.replicas, a.deploymentMarks)],
    hpas: a.withHpa ? [hpa('web', 'web', a.hpaMin, a.hpaMin + a.hpaMaxExtra, a.hpaMarks)] : [],
    synced: a.synced,
    maxReplicas: a.cap,
  });
});

/** The replicas / minReplicas / maxReplicas a patch sets, next to what the object had. */
function changes(s: NamespaceState, patch: TargetPatch): Array<{ field: string; before: number; after: number }> {
  if (patch.kind === 'Deployment') {
    const d = s.deployments.find((x) => x.metadata?.name === patch.name) as V1Deployment;
    return patch.replicas === undefined ? [] : [{ field: 'replicas', before: d.spec?.replicas ?? 1, after: patch.replicas }];
  }
  const h = s.hpas.find((x) => x.metadata?.name === patch.name) as V2HorizontalPodAutoscaler;
  const out: Array<{ field: string; before: number; after: number }> = [];
  if (patch.patch.spec?.minReplicas !== undefined) out.push({ field: 'minReplicas', before: h.spec?.minReplicas ?? 1, after: patch.patch.spec.minReplicas });
  if (patch.patch.spec?.maxReplicas !== undefined) out.push({ field: 'maxReplicas', before: h.spec?.maxReplicas ?? 1, after: patch.patch.spec.maxReplicas });
  return out;
}

const activeFor = (result: NamespacePlan) => (result.planStatuses.get('web')?.drivenBy ?? []).length > 0;

test('property: nothing is ever scaled up without an active incident', (t) => {
  fc.assert(fc.property(namespaceArb, (s) => {
    const result = planNamespace(s);
    if (activeFor(result)) return true;
    return result.patches.flatMap((p) => changes(s, p)).every((c) => c.after <= c.before);
  }), { numRuns: 3000 });
  t.pass();
});

test('property: a value a person or the HPA set above the floor is never lowered while the floor is not being stood down', (t) => {
  fc.assert(fc.property(namespaceArb, (s) => {
    const result = planNamespace(s);
    const holder = s.hpas[0] ?? s.deployments[0];
    const held = count(holder?.metadata?.annotations?.[annotations.appliedFloor]) ?? s.plans[0]?.spec.standbyReplicas ?? 0;
    const goal = result.planStatuses.get('web')?.targetFloor ?? 0;
    const standingDown = s.synced && goal < held;
    const releasing = result.patches.some((p) => Object.values((p.kind === 'Deployment' ? p.annotations : p.patch.metadata.annotations) ?? {}).includes(null));
    if (standingDown || releasing) return true;
    return result.patches.flatMap((p) => changes(s, p)).every((c) => c.after >= c.before);
  }), { numRuns: 3000 });
  t.pass();
});

test('property: a stand-down step lowers replicas by at most stepReplicas and never below the events\' floor', (t) => {
  fc.assert(fc.property(namespaceArb, (s) => {
    const result = planNamespace(s);
    const step = s.plans[0]?.spec.scaleDown?.stepReplicas ?? 1;
    const goal = result.planStatuses.get('web')?.targetFloor ?? 0;
    return result.patches.flatMap((p) => changes(s, p)).filter((c) => c.field === 'replicas' && c.after < c.before)
      .every((c) => c.before - c.after <= step && c.after >= Math.min(goal, c.before));
  }), { numRuns: 3000 });
  t.pass();
});

test('property: with any cache not current nothing is lowered and no mark is released', (t) => {
  fc.assert(fc.property(namespaceArb, (s) => {
    const result = planNamespace({ ...s, synced: false });
    const lowered = result.patches.flatMap((p) => changes(s, p)).some((c) => c.after < c.before);
    const released = result.patches.some((p) => Object.values((p.kind === 'Deployment' ? p.annotations : p.patch.metadata.annotations) ?? {}).includes(null));
    return !lowered && !released;
  }), { numRuns: 3000 });
  t.pass();
});

test('property: every wake-up is finite and at most 2^31-1 ms ahead, for windows up to ten years away', (t) => {
  fc.assert(fc.property(namespaceArb, (s) => {
    const wake = planNamespace(s).wakeAt;
    if (wake === undefined) return true;
    const ms = wake.getTime() - s.now.getTime();
    return Number.isFinite(ms) && ms <= MAX_WAKE_MS;
  }), { numRuns: 3000 });
  t.pass();
});

test('property: no floor, replicas or HPA bound the operator writes exceeds --max-replicas unless it was already there', (t) => {
  fc.assert(fc.property(namespaceArb, (s) => {
    const result = planNamespace(s);
    return result.patches.flatMap((p) => changes(s, p)).every((c) => c.after <= Math.max(s.maxReplicas, c.before));
  }), { numRuns: 3000 });
  t.pass();
});
