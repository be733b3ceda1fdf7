/**
 * Annotations the operator reads and writes. What it writes on a target is its memory of what it
 * changed there, kept on the object itself so that any replica (and a restarted one) can stand the
 * target down again — level-based, without a finalizer that would block deletion while the operator
 * is down.
 */
export const annotations = {
  /** On a SurgePlan: "true" makes the operator leave the plan's target alone. */
  paused: 'kathelfer.io/paused',
  /** On a target (HPA or Deployment): the floor the operator holds it at. */
  appliedFloor: 'kathelfer.io/applied-floor',
  /** On a target: the SurgePlan that raised it. */
  surgePlan: 'kathelfer.io/surge-plan',
  /**
   * On an HPA: its minReplicas before the operator raised it, restored on stand-down if nobody
   * changed minReplicas since. Written only when the operator raises an HPA it has not marked yet,
   * so it is always a value a person (or the HPA's manifest) set, never the operator's own.
   */
  originalMinReplicas: 'kathelfer.io/original-min-replicas',
  /** On an HPA: its maxReplicas before the operator raised it (only written when it had to). */
  originalMaxReplicas: 'kathelfer.io/original-max-replicas',
  /**
   * On an HPA: the maxReplicas the operator wrote. On stand-down maxReplicas is restored only while
   * it still has this value; a higher one set by anyone during the incident stays.
   */
  appliedMaxReplicas: 'kathelfer.io/applied-max-replicas',
  /**
   * On a target: when the operator last changed its floor or replicas (RFC 3339). Written in the
   * same patch as the change, so the stand-down's step interval holds even when the status write
   * that follows fails and the namespace is retried at once.
   */
  lastScaleTime: 'kathelfer.io/last-scale-time',
} as const;

export const group = 'kathelfer.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
