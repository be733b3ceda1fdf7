import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { annotations } from '../api/annotations.js';
import type { SurgePlan } from '../api/types.generated.js';
import { conditions, type ConditionInput } from './conditions.js';
import { activity, planSpec, targetFloor, type PlanSpec, type TargetFloor } from './floor.js';
import type { KubeEvent, NamespaceState, ObjectRef, SurgePlanStatus, TargetPatch } from './model.js';
import { stepTiming } from './stand-down.js';
import { earliestWake } from './wake-up.js';
import { appliedFloor, isMarked, planDeployment, planHpa, releaseMarks, type Note, type TargetOutcome } from './target-rules.js';

/** What the planner decided for one SurgePlan's target; the events' statuses are built from it. */
export interface TargetDecision {
  plan: SurgePlan;
  spec: PlanSpec;
  deployment: V1Deployment | undefined;
  paused: boolean;
  /** Another (older) SurgePlan governs the same Deployment; this one does nothing. */
  claimedBy: string | undefined;
  /** The floor held on the target after this reconcile. */
  held: number;
  /** The floor the active events ask for (the stand-down goal). */
  wanted: number;
  patches: TargetPatch[];
  status: SurgePlanStatus;
  /** Events on the plan and its target. */
  kubeEvents: KubeEvent[];
  /** What to tell the incidents driving the target (merged per incident by the namespace planner). */
  incidentNotes: Note[];
  wakeAt: Date | undefined;
}

const deploymentRef = (name: string, uid?: string): ObjectRef => ({ apiVersion: 'apps/v1', kind: 'Deployment', name, uid });
const planRef = (plan: SurgePlan): ObjectRef => ({ apiVersion: 'kathelfer.io/v1alpha1', kind: 'SurgePlan', name: plan.metadata?.name ?? '', uid: plan.metadata?.uid });
const condition = (previous: SurgePlanStatus | undefined, type: string) => previous?.conditions?.find((c) => c.type === type);

/** The HPA that scales a Deployment (the first by name if, wrongly, several do). */
export function hpaFor(hpas: V2HorizontalPodAutoscaler[], deployment: string): V2HorizontalPodAutoscaler | undefined {
  return hpas
    .filter((h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === deployment)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

/**
 * One SurgePlan's decision: which case it is in (claimed by another plan, target missing, paused,
 * managed), the patches of the managed case from the target rules, and its status and Events.
 * @param owner the plan that governs this plan's target (see ownersByTarget)
 */
export function planTarget(plan: SurgePlan, owner: SurgePlan, state: NamespaceState): TargetDecision {
  const spec = planSpec(plan);
  const floor = targetFloor(spec, state.events, state.now, state.maxReplicas);
  const deployment = state.deployments.find((d) => d.metadata?.name === spec.target);
  const base = { plan, spec, deployment, wanted: floor.floor, wakeAt: undefined, incidentNotes: [] };
  const ownerName = owner.metadata?.name ?? '';
  if (ownerName !== (plan.metadata?.name ?? '')) return { ...base, ...claimed(plan, spec, ownerName, floor, state) };
  if (deployment === undefined) return { ...base, ...targetNotFound(plan, spec, floor, state) };
  const hpa = hpaFor(state.hpas, spec.target);
  const held = appliedFloor(hpa ?? deployment) ?? spec.standby;
  if (plan.metadata?.annotations?.[annotations.paused] === 'true') return { ...base, ...paused(plan, spec, deployment, hpa, held, floor, state) };
  return managed(plan, spec, deployment, hpa, held, floor, state);
}

function managed(plan: SurgePlan, spec: PlanSpec, deployment: V1Deployment, hpa: V2HorizontalPodAutoscaler | undefined, held: number, floor: TargetFloor, state: NamespaceState): TargetDecision {
  const { now } = state;
  const previous = plan.status;
  const name = plan.metadata?.name ?? '';
  const goal = floor.floor;
  const timing = goal < held ? stepTiming(spec, previous, now, (hpa ?? deployment).metadata?.annotations?.[annotations.lastScaleTime]) : undefined;
  const input = {
    target: spec.target, owner: name, standby: spec.standby, stepReplicas: spec.stepReplicas,
    goal, active: floor.drivenBy.length > 0, synced: state.synced,
    // In doubt stay up: with any cache not current, no stand-down step is ever due.
    stepDue: state.synced && (timing?.due ?? false),
    now,
  };
  const outcome: TargetOutcome = hpa !== undefined ? planHpa(input, hpa, deployment) : planDeployment(input, deployment);
  const patches = [...outcome.patches];
  const notes = [...outcome.notes];
  // The HPA took the target over: the Deployment's own marks are stale memory that, once the HPA
  // is gone, would read as a floor to restore without any incident.
  if (hpa !== undefined && isMarked(deployment) && state.synced) {
    patches.push({ kind: 'Deployment', name: spec.target, annotations: releaseMarks() });
    notes.push({ type: 'Normal', reason: 'OwnerChanged', message: `HPA ${hpa.metadata?.name} now scales ${spec.target}: the operator holds its floor through the HPA's minReplicas and dropped its marks from the Deployment.` });
  }

  const target = deploymentRef(spec.target, deployment.metadata?.uid);
  const kubeEvents: KubeEvent[] = notes.map((n) => ({ regarding: target, type: n.type, reason: n.reason, message: n.message }));
  if (floor.uncapped !== undefined && condition(previous, 'Capped')?.status !== 'True') {
    kubeEvents.push({ regarding: planRef(plan), type: 'Warning', reason: 'FloorCapped', message: cappedMessage(spec, floor, state) });
  }
  const lastScaleTime = outcome.scaled ? now.toISOString() : previous?.lastScaleTime;
  const stepWake = timing === undefined ? undefined : timing.due ? new Date(now.getTime() + spec.stepIntervalSeconds * 1000) : timing.wakeAt;
  // Each plan surges at window.start minus its own prewarmSeconds: wake then, whatever other plans do.
  const prewarmWake = earliestWake(state.events.map((e) => {
    const a = activity(e, spec.prewarmSeconds, now);
    return a.kind === 'scheduled' ? a.surgeAt : undefined;
  }), now);
  const ready = deployment.status?.readyReplicas ?? 0;
  return {
    plan, spec, deployment, paused: false, claimedBy: undefined, held: outcome.held, wanted: floor.floor, patches, kubeEvents,
    incidentNotes: notes.filter((n) => n.onIncidents === true),
    wakeAt: earliestWake([outcome.standingDown ? stepWake : undefined, prewarmWake], now),
    status: {
      observedGeneration: plan.metadata?.generation ?? 0,
      floor: outcome.held,
      targetFloor: floor.floor,
      desiredReplicas: outcome.replicas,
      readyReplicas: ready,
      scaledBy: hpa === undefined ? 'Deployment' : 'HorizontalPodAutoscaler',
      drivenBy: floor.drivenBy,
      ...(lastScaleTime !== undefined ? { lastScaleTime } : {}),
      ...(outcome.standingDown && timing !== undefined ? { lowerFloorSince: timing.lowerFloorSince.toISOString() } : {}),
      conditions: conditions(previous?.conditions, [
        readyCondition(ready, outcome.held, spec.target),
        state.synced
          ? { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'The target exists and every cache of the operator is current.' }
          : { type: 'Degraded', status: 'True', reason: 'CachesNotSynced', message: 'The operator cannot read the cluster reliably right now; it holds the floor and lowers nothing until it can.' },
        cappedCondition(spec, floor, state),
        pausedCondition(false),
      ], plan.metadata?.generation ?? 0, now),
    },
  };
}

function cappedMessage(spec: PlanSpec, floor: TargetFloor, state: NamespaceState): string {
  return `The incidents ask for ${floor.uncapped} replicas of ${spec.target}; the operator caps every floor at ${state.maxReplicas} (--max-replicas) and holds ${floor.floor}. Set maxReplicas on the SurgePlan, or raise --max-replicas if the cluster can carry more.`;
}

function cappedCondition(spec: PlanSpec, floor: TargetFloor, state: NamespaceState): ConditionInput {
  return floor.uncapped !== undefined
    ? { type: 'Capped', status: 'True', reason: 'OperatorMaxReplicas', message: cappedMessage(spec, floor, state) }
    : { type: 'Capped', status: 'False', reason: 'WithinLimits', message: `The floor is within the operator's --max-replicas of ${state.maxReplicas}.` };
}

type OwnDecision = Omit<TargetDecision, 'plan' | 'spec' | 'deployment' | 'wanted' | 'wakeAt' | 'incidentNotes'>;

/**
 * A plan that scales nothing, for a reason its status and one Warning Event (on the transition)
 * state: its target is governed by another plan (`TargetClaimed`), or does not exist (`TargetNotFound`).
 */
function idle(plan: SurgePlan, spec: PlanSpec, reason: 'TargetClaimed' | 'TargetNotFound', message: string, claimedBy: string | undefined, floor: TargetFloor, state: NamespaceState): OwnDecision {
  const previous = plan.status;
  const kubeEvents: KubeEvent[] = condition(previous, 'Degraded')?.reason === reason
    ? []
    : [{ regarding: planRef(plan), type: 'Warning', reason, message }];
  return {
    paused: false, claimedBy, held: spec.standby, patches: [], kubeEvents,
    status: {
      observedGeneration: plan.metadata?.generation ?? 0,
      targetFloor: floor.floor,
      drivenBy: floor.drivenBy,
      ...(previous?.lastScaleTime !== undefined ? { lastScaleTime: previous.lastScaleTime } : {}),
      conditions: conditions(previous?.conditions, [
        { type: 'Ready', status: 'False', reason, message },
        { type: 'Degraded', status: 'True', reason, message },
        pausedCondition(plan.metadata?.annotations?.[annotations.paused] === 'true'),
      ], plan.metadata?.generation ?? 0, state.now),
    },
  };
}

function claimed(plan: SurgePlan, spec: PlanSpec, owner: string, floor: TargetFloor, state: NamespaceState): OwnDecision {
  const message = `SurgePlan ${owner} (the older plan) already governs Deployment ${spec.target}; this plan does nothing while it exists. Delete one of the two plans.`;
  return idle(plan, spec, 'TargetClaimed', message, owner, floor, state);
}

function targetNotFound(plan: SurgePlan, spec: PlanSpec, floor: TargetFloor, state: NamespaceState): OwnDecision {
  const message = `Deployment ${spec.target} does not exist in namespace ${state.namespace}; nothing to scale until it does.`;
  return idle(plan, spec, 'TargetNotFound', message, undefined, floor, state);
}

function paused(plan: SurgePlan, spec: PlanSpec, deployment: V1Deployment, hpa: V2HorizontalPodAutoscaler | undefined, held: number, floor: TargetFloor, state: NamespaceState): OwnDecision {
  const previous = plan.status;
  const message = `The annotation ${annotations.paused}=true is set: the operator leaves Deployment ${spec.target} alone (events ask for ${floor.floor} replicas${held > spec.standby ? `; it still holds the floor of ${held} it had raised` : ''}).`;
  const kubeEvents: KubeEvent[] = condition(previous, 'Paused')?.status === 'True'
    ? []
    : [{ regarding: planRef(plan), type: 'Normal', reason: 'Paused', message }];
  const ready = deployment.status?.readyReplicas ?? 0;
  return {
    paused: true, claimedBy: undefined, held, patches: [], kubeEvents,
    status: {
      observedGeneration: plan.metadata?.generation ?? 0,
      floor: held,
      targetFloor: floor.floor,
      desiredReplicas: deployment.spec?.replicas ?? 1,
      readyReplicas: ready,
      scaledBy: hpa === undefined ? 'Deployment' : 'HorizontalPodAutoscaler',
      drivenBy: floor.drivenBy,
      ...(previous?.lastScaleTime !== undefined ? { lastScaleTime: previous.lastScaleTime } : {}),
      conditions: conditions(previous?.conditions, [
        readyCondition(ready, held, spec.target),
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'The target exists.' },
        pausedCondition(true, message),
      ], plan.metadata?.generation ?? 0, state.now),
    },
  };
}

function readyCondition(ready: number, floor: number, target: string): ConditionInput {
  return ready >= floor
    ? { type: 'Ready', status: 'True', reason: 'FloorReached', message: `${ready} replicas of ${target} are ready; the floor is ${floor}.` }
    : { type: 'Ready', status: 'False', reason: 'WaitingForReplicas', message: `${ready} of ${floor} replicas of ${target} are ready.` };
}

function pausedCondition(paused: boolean, message?: string): ConditionInput {
  return paused
    ? { type: 'Paused', status: 'True', reason: 'PausedByAnnotation', message: message ?? `${annotations.paused}=true: the target is left alone.` }
    : { type: 'Paused', status: 'False', reason: 'NotPaused', message: 'The operator manages the target.' };
}
