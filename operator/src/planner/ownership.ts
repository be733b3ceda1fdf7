import type { SurgePlan } from '../api/types.generated.js';

const created = (p: SurgePlan): number => {
  const c = p.metadata?.creationTimestamp as unknown as string | Date | undefined;
  const ms = c === undefined ? Number.NaN : new Date(c).getTime();
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
};

/**
 * Which SurgePlan governs each Deployment when several name the same one: the oldest
 * (creationTimestamp, then name), so the choice is the same on every reconcile and every replica
 * and does not flip when a newer plan appears. The others are reported as claimed.
 * @returns target Deployment name → owning plan
 */
export function ownersByTarget(plans: SurgePlan[]): Map<string, SurgePlan> {
  const owners = new Map<string, SurgePlan>();
  const ordered = [...plans].sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const plan of ordered) if (!owners.has(plan.spec.targetRef.name)) owners.set(plan.spec.targetRef.name, plan);
  return owners;
}
