import { annotations } from '../api/annotations.js';
import { planSpec } from './floor.js';
import { restoreHpa } from './hpa-patch.js';
import type { KubeEvent, NamespaceState, TargetPatch } from './model.js';

/**
 * Targets the operator raised whose SurgePlan is gone (deleted, or now pointing elsewhere). The
 * annotations on the target are the operator's only memory of them, so this works even when the
 * plan was deleted while the operator was down. An HPA gets its original bounds back exactly; a
 * Deployment keeps its replicas (without the plan nobody knows its standby) and loses the marks.
 */
export function releaseOrphans(state: NamespaceState): { patches: TargetPatch[]; kubeEvents: KubeEvent[] } {
  const owners = new Map(state.plans.map((p) => [p.metadata?.name ?? '', planSpec(p).target]));
  const orphaned = (ann: Record<string, string> | undefined, target: string): string | undefined => {
    const plan = ann?.[annotations.surgePlan];
    if (ann?.[annotations.appliedFloor] === undefined || plan === undefined) return undefined;
    return owners.get(plan) === target ? undefined : plan;
  };
  const patches: TargetPatch[] = [];
  const kubeEvents: KubeEvent[] = [];
  for (const hpa of state.hpas) {
    const ann = hpa.metadata?.annotations;
    const target = hpa.spec?.scaleTargetRef.name ?? '';
    const plan = orphaned(ann, target);
    if (plan === undefined || ann === undefined) continue;
    const min = Number(ann[annotations.originalMinReplicas] ?? hpa.spec?.minReplicas ?? 1);
    const max = Number(ann[annotations.originalMaxReplicas] ?? hpa.spec?.maxReplicas ?? min);
    patches.push(restoreHpa(hpa.metadata?.name ?? '', min, max));
    kubeEvents.push({
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      type: 'Normal',
      reason: 'PlanRemoved',
      message: `SurgePlan ${plan} no longer governs ${target}; restored HPA ${hpa.metadata?.name} to minReplicas ${min}, maxReplicas ${max}.`,
    });
  }
  for (const deployment of state.deployments) {
    const name = deployment.metadata?.name ?? '';
    const ann = deployment.metadata?.annotations;
    const plan = orphaned(ann, name);
    if (plan === undefined) continue;
    patches.push({ kind: 'Deployment', name, annotations: { [annotations.appliedFloor]: null, [annotations.surgePlan]: null } });
    kubeEvents.push({
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata?.uid },
      type: 'Warning',
      reason: 'PlanRemoved',
      message: `SurgePlan ${plan} no longer governs ${name}; the operator stopped managing it and left it at ${deployment.spec?.replicas ?? 0} replicas (scale it down by hand if the incident is over).`,
    });
  }
  return { patches, kubeEvents };
}
