import { crdDefaults, type DisasterEvent, type SurgePlan } from '../api/types.generated.js';

const planDefaults = crdDefaults.SurgePlan;

/** The spec of a SurgePlan with the API server's defaults filled in, for plans read from anywhere. */
export function planSpec(plan: SurgePlan) {
  const spec = plan.spec;
  return {
    target: spec.targetRef.name,
    standby: spec.standbyReplicas,
    surge: [spec.surgeReplicas.severity1, spec.surgeReplicas.severity2, spec.surgeReplicas.severity3, spec.surgeReplicas.severity4] as const,
    maxReplicas: spec.maxReplicas,
    helpersPerReplica: spec.helpersPerReplica,
    prewarmSeconds: spec.prewarmSeconds ?? planDefaults['spec.prewarmSeconds'],
    stabilizationWindowSeconds: spec.scaleDown?.stabilizationWindowSeconds ?? planDefaults['spec.scaleDown.stabilizationWindowSeconds'],
    stepReplicas: spec.scaleDown?.stepReplicas ?? planDefaults['spec.scaleDown.stepReplicas'],
    stepIntervalSeconds: spec.scaleDown?.stepIntervalSeconds ?? planDefaults['spec.scaleDown.stepIntervalSeconds'],
  };
}
export type PlanSpec = ReturnType<typeof planSpec>;

export type Activity =
  | { kind: 'active'; since: Date }
  | { kind: 'scheduled'; surgeAt: Date }
  | { kind: 'ended'; at: Date | undefined };

function time(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

/**
 * Whether an event drives a plan's target at `now`. An event that is Ended, being deleted, or past
 * its window has ended; one whose window starts later is scheduled until `prewarmSeconds` before
 * its start, from when it is active (pre-warm).
 */
export function activity(event: DisasterEvent, prewarmSeconds: number, now: Date): Activity {
  const start = time(event.spec.window?.start);
  const end = time(event.spec.window?.end);
  if ((event.spec.state ?? crdDefaults.DisasterEvent['spec.state']) === 'Ended') return { kind: 'ended', at: undefined };
  if (event.metadata?.deletionTimestamp !== undefined) return { kind: 'ended', at: undefined };
  if (end !== undefined && now >= end) return { kind: 'ended', at: end };
  const created = time(event.metadata?.creationTimestamp as string | undefined) ?? now;
  if (start === undefined) return { kind: 'active', since: created };
  const surgeAt = new Date(start.getTime() - prewarmSeconds * 1000);
  if (now < surgeAt) return { kind: 'scheduled', surgeAt };
  return { kind: 'active', since: surgeAt > created ? surgeAt : created };
}

/**
 * The replicas one event asks of one plan's target: the plan's surge replicas for the event's
 * severity, raised by the capacity hint (expectedHelpers / helpersPerReplica), never below standby
 * and never above maxReplicas — before the operator-wide cap (see `targetFloor`).
 */
export function demand(plan: PlanSpec, event: DisasterEvent): number {
  const severity = Math.min(4, Math.max(1, Math.trunc(event.spec.severity)));
  let replicas = plan.surge[severity - 1] ?? plan.standby;
  const expected = event.spec.expectedHelpers;
  if (plan.helpersPerReplica !== undefined && expected !== undefined && expected > 0) {
    replicas = Math.max(replicas, Math.ceil(expected / plan.helpersPerReplica));
  }
  return clamp(plan, replicas);
}

/** Standby ≤ floor ≤ maxReplicas (standby wins over a smaller maxReplicas: the CRD forbids that). */
export function clamp(plan: PlanSpec, replicas: number): number {
  const capped = plan.maxReplicas === undefined ? replicas : Math.min(replicas, plan.maxReplicas);
  return Math.max(plan.standby, capped);
}

export interface TargetFloor {
  /** Replicas the active events ask for, after the operator-wide cap. */
  floor: number;
  /** Names of the events active for this target, sorted. */
  drivenBy: string[];
  /** What the events asked for when the operator-wide cap lowered it, else undefined. */
  uncapped: number | undefined;
}

/**
 * The floor the events ask of a target now: the maximum over the events active for it, at most
 * `cap` replicas (the operator's --max-replicas; a plan without maxReplicas and a huge
 * expectedHelpers must not ask a cluster for a million pods).
 */
export function targetFloor(plan: PlanSpec, events: DisasterEvent[], now: Date, cap = Number.POSITIVE_INFINITY): TargetFloor {
  let floor = plan.standby;
  const drivenBy: string[] = [];
  for (const event of events) {
    if (activity(event, plan.prewarmSeconds, now).kind !== 'active') continue;
    drivenBy.push(event.metadata?.name ?? '');
    floor = Math.max(floor, demand(plan, event));
  }
  return { floor: Math.min(floor, cap), drivenBy: drivenBy.sort(), uncapped: floor > cap ? floor : undefined };
}
