import { annotations } from '../api/annotations.js';
import type { KubeEvent, NamespaceState, TargetPatch } from './model.js';
import { count, isMarked, releaseMarks } from './target-rules.js';

/**
 * Targets the operator marked that no SurgePlan names any more (deleted, or now pointing
 * elsewhere). The marks on the target are the operator's only memory of them, so this works even
 * when the plan was deleted while the operator was down. An HPA gets back what the operator wrote
 * over, where nobody changed it since; a Deployment keeps its replicas (without a plan nobody knows
 * its standby) and loses the marks. The caller runs this only with every cache current: an empty
 * or partial list of SurgePlans must never read as "every plan is gone".
 */
export function releaseOrphans(state: NamespaceState): { patches: TargetPatch[]; kubeEvents: KubeEvent[] } {
  const targeted = new Set(state.plans.map((p) => p.spec.targetRef.name));
  const patches: TargetPatch[] = [];
  const kubeEvents: KubeEvent[] = [];
  for (const hpa of state.hpas) {
    const target = hpa.spec?.scaleTargetRef.name ?? '';
    if (!isMarked(hpa) || (hpa.spec?.scaleTargetRef.kind === 'Deployment' && targeted.has(target))) continue;
    const ann = hpa.metadata?.annotations ?? {};
    const min = hpa.spec?.minReplicas ?? 1;
    const max = hpa.spec?.maxReplicas ?? min;
    const held = count(ann[annotations.appliedFloor]) ?? 0;
    const originalMin = count(ann[annotations.originalMinReplicas]);
    const originalMax = count(ann[annotations.originalMaxReplicas]);
    const appliedMax = count(ann[annotations.appliedMaxReplicas]);
    // Only what the operator raised is given back, so a restore only ever lowers (an "original"
    // above the current value can only come from an edited annotation).
    const newMin = originalMin !== undefined && min === Math.max(held, originalMin) ? originalMin : min;
    const newMax = appliedMax !== undefined && max === appliedMax && originalMax !== undefined && originalMax <= max ? Math.max(originalMax, newMin) : max;
    patches.push({
      kind: 'HorizontalPodAutoscaler',
      name: hpa.metadata?.name ?? '',
      patch: { metadata: { annotations: releaseMarks() }, ...(newMin !== min || newMax !== max ? { spec: { minReplicas: newMin, maxReplicas: newMax } } : {}) },
    });
    kubeEvents.push({
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      type: 'Normal',
      reason: 'PlanRemoved',
      message: `No SurgePlan governs ${target} any more (SurgePlan ${ann[annotations.surgePlan] ?? 'unknown'} was removed or retargeted); HPA ${hpa.metadata?.name} is back at minReplicas ${newMin}, maxReplicas ${newMax}${newMin === min && min !== originalMin ? ' (minReplicas was changed by someone during the incident and is left as is)' : ''}.`,
    });
  }
  for (const deployment of state.deployments) {
    const name = deployment.metadata?.name ?? '';
    if (!isMarked(deployment) || targeted.has(name)) continue;
    patches.push({ kind: 'Deployment', name, annotations: releaseMarks() });
    kubeEvents.push({
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata?.uid },
      type: 'Warning',
      reason: 'PlanRemoved',
      message: `No SurgePlan governs ${name} any more (SurgePlan ${deployment.metadata?.annotations?.[annotations.surgePlan] ?? 'unknown'} was removed or retargeted); the operator stopped managing it and left it at ${deployment.spec?.replicas ?? 0} replicas (scale it down by hand if the incident is over).`,
    });
  }
  return { patches, kubeEvents };
}
