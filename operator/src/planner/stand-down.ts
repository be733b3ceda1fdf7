import type { PlanSpec } from './floor.js';
import type { SurgePlanStatus } from './model.js';

export interface StepTiming {
  /** A stand-down step may be taken now. */
  due: boolean;
  /** Since when a lower floor has been asked for (kept in the plan's status across reconciles). */
  lowerFloorSince: Date;
  /** When the next step is due, if not now. */
  wakeAt: Date | undefined;
}

/**
 * When a stand-down may take its next step. The lower floor must have been asked for a whole
 * stabilization window; after that one step per stepIntervalSeconds, counted from the last scale
 * of this stand-down (`lastScaleTime` in the plan's status, or the target's
 * `kathelfer.io/last-scale-time`, written with the step itself, whichever is later).
 */
export function stepTiming(spec: PlanSpec, previous: SurgePlanStatus | undefined, now: Date, targetLastScale?: string): StepTiming {
  const since = previous?.lowerFloorSince !== undefined ? new Date(previous.lowerFloorSince) : now;
  const stableAt = since.getTime() + spec.stabilizationWindowSeconds * 1000;
  // The later of the status's and the target's own record: the target's is written with the step.
  const times = [previous?.lastScaleTime, targetLastScale].map((t) => (t === undefined ? Number.NaN : new Date(t).getTime())).filter(Number.isFinite);
  const lastScale = times.length > 0 ? Math.max(...times) : undefined;
  // Only a scale after the lower floor was first asked for is a step of this stand-down.
  const lastStep = lastScale !== undefined && lastScale >= since.getTime() ? lastScale : undefined;
  const nextAt = Math.max(stableAt, lastStep === undefined ? stableAt : lastStep + spec.stepIntervalSeconds * 1000);
  return now.getTime() >= nextAt
    ? { due: true, lowerFloorSince: since, wakeAt: undefined }
    : { due: false, lowerFloorSince: since, wakeAt: new Date(nextAt) };
}
