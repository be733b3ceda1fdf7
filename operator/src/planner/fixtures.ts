/** Builders for planner tests: plain objects as the API server would return them. */
import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { DisasterEvent, SurgePlan } from '../api/types.generated.js';
import type { NamespaceState, TargetPatch } from './model.js';
import { planNamespace } from './surge-planner.js';

export const t0 = new Date('2026-07-14T18:00:00Z');
export const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

export function event(name: string, spec: Partial<DisasterEvent['spec']> = {}, extra: Partial<DisasterEvent> = {}): DisasterEvent {
  return {
    apiVersion: 'kathelfer.io/v1alpha1',
    kind: 'DisasterEvent',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1, creationTimestamp: t0 },
    spec: { title: name, type: 'flood', severity: 3, state: 'Active', ...spec },
    ...extra,
  };
}

export function plan(name: string, spec: Partial<SurgePlan['spec']> = {}, annotations: Record<string, string> = {}): SurgePlan {
  return {
    apiVersion: 'kathelfer.io/v1alpha1',
    kind: 'SurgePlan',
    metadata: { name, namespace: 'ns', uid: `uid-plan-${name}`, generation: 1, annotations },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      standbyReplicas: 1,
      surgeReplicas: { severity1: 2, severity2: 4, severity3: 6, severity4: 8 },
      prewarmSeconds: 0,
      scaleDown: { stabilizationWindowSeconds: 60, stepReplicas: 2, stepIntervalSeconds: 10 },
      ...spec,
    },
  };
}

export function deployment(name: string, replicas: number, ready = replicas, annotations: Record<string, string> = {}): V1Deployment {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-deploy-${name}`, annotations },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas, readyReplicas: ready },
  };
}

export function hpa(name: string, target: string, min: number, max: number, annotations: Record<string, string> = {}): V2HorizontalPodAutoscaler {
  return {
    metadata: { name, namespace: 'ns', annotations },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: min, maxReplicas: max },
  };
}

export function state(parts: Partial<NamespaceState>): NamespaceState {
  return { namespace: 'ns', events: [], plans: [], deployments: [], hpas: [], synced: true, maxReplicas: 100, now: t0, ...parts };
}

/** Applies patches and statuses the way the API server would, so tests can run several reconciles. */
export function apply(s: NamespaceState, now: Date, readyAll = true): NamespaceState {
  const result = planNamespace(s);
  const deployments = s.deployments.map((d) => structuredClone(d));
  const hpas = s.hpas.map((h) => structuredClone(h));
  for (const p of result.patches) applyPatch(p, deployments, hpas);
  for (const d of deployments) if (readyAll) d.status = { ...d.status, readyReplicas: d.spec?.replicas ?? 0 };
  return {
    ...s,
    now,
    deployments,
    hpas,
    plans: s.plans.map((p) => ({ ...p, status: result.planStatuses.get(p.metadata?.name ?? '') })),
    events: s.events.map((e) => ({ ...e, status: result.eventStatuses.get(e.metadata?.name ?? '') })),
  };
}

export function applyPatch(p: TargetPatch, deployments: NamespaceState['deployments'], hpas: NamespaceState['hpas']) {
  const merge = (target: Record<string, string>, changes: Record<string, string | null>) => {
    for (const [k, v] of Object.entries(changes)) if (v === null) delete target[k]; else target[k] = v;
  };
  if (p.kind === 'Deployment') {
    const d = deployments.find((x) => x.metadata?.name === p.name);
    if (d === undefined) throw new Error(`no deployment ${p.name}`);
    d.metadata!.annotations ??= {};
    if (p.annotations) merge(d.metadata!.annotations, p.annotations);
    if (p.replicas !== undefined) d.spec!.replicas = p.replicas;
  } else {
    const h = hpas.find((x) => x.metadata?.name === p.name);
    if (h === undefined) throw new Error(`no hpa ${p.name}`);
    h.metadata!.annotations ??= {};
    merge(h.metadata!.annotations, p.patch.metadata.annotations);
    Object.assign(h.spec!, p.patch.spec);
  }
}

