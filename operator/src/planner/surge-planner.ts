/**
 * The operator's brain, without I/O: the current state of one namespace (DisasterEvents,
 * SurgePlans, Deployments, HPAs) and the time → the patches to apply, the statuses to write, the
 * Kubernetes Events to record and when to look again. Level-based: it never asks what changed, only
 * what is, so calling it twice on the same state gives the same answer and no new patches.
 */
import { eventStatus } from './event-status.js';
import { activity } from './floor.js';
import type { DisasterEvent } from '../api/types.generated.js';
import type { KubeEvent, NamespacePlan, NamespaceState, TargetPatch } from './model.js';
import { releaseOrphans } from './orphan-release.js';
import { ownersByTarget } from './ownership.js';
import { planTarget, type TargetDecision } from './target-planner.js';
import type { Note } from './target-rules.js';
import { earliestWake } from './wake-up.js';

const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T) =>
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

export function planNamespace(state: NamespaceState): NamespacePlan {
  const plans = [...state.plans].sort(byName);
  const events = [...state.events].sort(byName);
  const sorted = { ...state, events };
  const owners = ownersByTarget(plans);
  const decisions = plans.map((plan) => planTarget(plan, owners.get(plan.spec.targetRef.name) ?? plan, sorted));
  // Letting go of a target is a release: only with every cache current (in doubt stay up).
  const orphans = state.synced ? releaseOrphans(state) : { patches: [], kubeEvents: [] };
  const plan: NamespacePlan = {
    patches: onePatchPerObject([...decisions.flatMap((d) => d.patches), ...orphans.patches]),
    eventStatuses: new Map(),
    planStatuses: new Map(decisions.map((d) => [d.plan.metadata?.name ?? '', d.status])),
    kubeEvents: [...decisions.flatMap((d) => d.kubeEvents), ...orphans.kubeEvents],
    wakeAt: undefined,
  };
  plan.kubeEvents.push(...incidentEvents(decisions, events));
  const wakes = decisions.map((d) => d.wakeAt);
  for (const event of events) {
    const result = eventStatus(event, decisions, sorted);
    plan.eventStatuses.set(event.metadata?.name ?? '', result.status);
    plan.kubeEvents.push(...result.kubeEvents);
    wakes.push(result.wakeAt);
    // A window that ends in the future needs a reconcile at its end; an ended event needs none.
    const end = event.spec.window?.end;
    if (end !== undefined && activity(event, 0, state.now).kind !== 'ended') wakes.push(new Date(end));
  }
  plan.wakeAt = earliestWake(wakes, state.now);
  return plan;
}

/**
 * What the targets tell the incidents that drive them, one Event per incident and reason (a surge
 * of three services is one "ScaledUp" on the DisasterEvent naming all three, not three Events).
 */
function incidentEvents(decisions: TargetDecision[], events: DisasterEvent[]): KubeEvent[] {
  const out: KubeEvent[] = [];
  for (const event of events) {
    const name = event.metadata?.name ?? '';
    const notes = decisions.filter((d) => d.status.drivenBy?.includes(name)).flatMap((d) => d.incidentNotes);
    const byReason = new Map<string, Note[]>();
    for (const n of notes) byReason.set(`${n.type}/${n.reason}`, [...(byReason.get(`${n.type}/${n.reason}`) ?? []), n]);
    for (const group of byReason.values()) {
      const first = group[0] as Note;
      out.push({
        regarding: { apiVersion: 'kathelfer.io/v1alpha1', kind: 'DisasterEvent', name, uid: event.metadata?.uid },
        type: first.type,
        reason: first.reason,
        message: group.map((n) => n.message).join(' '),
      });
    }
  }
  return out;
}

/**
 * One patch per object, so each can carry the resourceVersion the planner read as a precondition
 * (a second patch of the same object in one reconcile would always conflict with the first).
 */
export function onePatchPerObject(patches: TargetPatch[]): TargetPatch[] {
  const merged = new Map<string, TargetPatch>();
  for (const p of patches) {
    const key = `${p.kind}/${p.name}`;
    const before = merged.get(key);
    if (before === undefined) merged.set(key, p);
    else if (before.kind === 'Deployment' && p.kind === 'Deployment') {
      const annotations = before.annotations === undefined && p.annotations === undefined ? undefined : { ...before.annotations, ...p.annotations };
      const replicas = p.replicas ?? before.replicas;
      merged.set(key, { kind: 'Deployment', name: p.name, ...(annotations !== undefined ? { annotations } : {}), ...(replicas !== undefined ? { replicas } : {}) });
    } else if (before.kind === 'HorizontalPodAutoscaler' && p.kind === 'HorizontalPodAutoscaler') {
      const spec = before.patch.spec === undefined && p.patch.spec === undefined ? undefined : { ...before.patch.spec, ...p.patch.spec };
      merged.set(key, { kind: 'HorizontalPodAutoscaler', name: p.name, patch: { metadata: { annotations: { ...before.patch.metadata.annotations, ...p.patch.metadata.annotations } }, ...(spec !== undefined ? { spec } : {}) } });
    }
  }
  return [...merged.values()];
}
