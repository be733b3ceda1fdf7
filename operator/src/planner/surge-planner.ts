/**
 * The operator's brain, without I/O: the current state of one namespace (DisasterEvents,
 * SurgePlans, Deployments, HPAs) and the time → the patches to apply, the statuses to write, the
 * Kubernetes Events to record and when to look again. Level-based: it never asks what changed, only
 * what is, so calling it twice on the same state gives the same answer and no new patches.
 */
import { eventStatus } from './event-status.js';
import type { NamespacePlan, NamespaceState } from './model.js';
import { releaseOrphans } from './orphan-release.js';
import { planTarget } from './target-planner.js';

const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T) =>
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

export function planNamespace(state: NamespaceState): NamespacePlan {
  const plans = [...state.plans].sort(byName);
  const events = [...state.events].sort(byName);
  const decisions = plans.map((plan) => planTarget(plan, { ...state, events }));
  const orphans = releaseOrphans(state);
  const plan: NamespacePlan = {
    patches: [...decisions.flatMap((d) => d.patches), ...orphans.patches],
    eventStatuses: new Map(),
    planStatuses: new Map(decisions.map((d) => [d.plan.metadata?.name ?? '', d.status])),
    kubeEvents: [...decisions.flatMap((d) => d.kubeEvents), ...orphans.kubeEvents],
    wakeAt: earliest(decisions.map((d) => d.wakeAt)),
  };
  for (const event of events) {
    const result = eventStatus(event, decisions, { ...state, events });
    plan.eventStatuses.set(event.metadata?.name ?? '', result.status);
    plan.kubeEvents.push(...result.kubeEvents);
    plan.wakeAt = earliest([plan.wakeAt, result.wakeAt, windowEnd(event, state.now)]);
  }
  return plan;
}

/** A window that ends in the future needs a reconcile at its end, even if nothing else changes. */
function windowEnd(event: { spec: { window?: { end?: string } } }, now: Date): Date | undefined {
  const end = event.spec.window?.end;
  if (end === undefined) return undefined;
  const at = new Date(end);
  return at > now ? at : undefined;
}

function earliest(dates: Array<Date | undefined>): Date | undefined {
  let min: Date | undefined;
  for (const d of dates) if (d !== undefined && (min === undefined || d < min)) min = d;
  return min;
}
