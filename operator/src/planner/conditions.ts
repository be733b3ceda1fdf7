import type { Condition } from './model.js';

export type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * Builds a condition list in the Kubernetes convention: lastTransitionTime moves only when the
 * status changes, so a reason or message update does not look like a transition.
 */
export function conditions(previous: Condition[] | undefined, next: ConditionInput[], generation: number, now: Date): Condition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      observedGeneration: generation,
      lastTransitionTime: before !== undefined && before.status === c.status ? before.lastTransitionTime : iso(now),
      reason: c.reason,
      message: c.message,
    };
  });
}

export function findCondition(list: Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

/** RFC 3339 with seconds precision, as Kubernetes' metav1.Time serializes. */
export function iso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
