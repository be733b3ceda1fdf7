import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { annotations } from '../api/annotations.js';
import type { SurgePlan } from '../api/types.generated.js';
import { conditions, type ConditionInput } from './conditions.js';
import { planSpec, targetFloor, type PlanSpec } from './floor.js';
import { restoreHpa } from './hpa-patch.js';
import type { KubeEvent, NamespaceState, ObjectRef, SurgePlanStatus, TargetPatch } from './model.js';

/** What the planner decided for one SurgePlan's target; the events' statuses are built from it. */
export interface TargetDecision {
  plan: SurgePlan;
  spec: PlanSpec;
  deployment: V1Deployment | undefined;
  paused: boolean;
  /** The floor held on the target after this reconcile. */
  held: number;
  /** The floor the active events ask for (the stand-down goal). */
  wanted: number;
  patches: TargetPatch[];
  status: SurgePlanStatus;
  kubeEvents: KubeEvent[];
  wakeAt: Date | undefined;
}

const deploymentRef = (name: string, uid?: string): ObjectRef => ({ apiVersion: 'apps/v1', kind: 'Deployment', name, uid });
const planRef = (plan: SurgePlan): ObjectRef => ({
  apiVersion: 'kathelfer.io/v1alpha1',
  kind: 'SurgePlan',
  name: plan.metadata?.name ?? '',
  uid: plan.metadata?.uid,
});

function heldFloor(holder: { metadata?: { annotations?: Record<string, string> } }, standby: number): number {
  const raw = holder.metadata?.annotations?.[annotations.appliedFloor];
  const parsed = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : standby;
}

function hpaFor(hpas: V2HorizontalPodAutoscaler[], deployment: string): V2HorizontalPodAutoscaler | undefined {
  return hpas
    .filter((h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === deployment)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

const later = (a: Date | undefined, b: Date | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

/**
 * The floor to hold after this reconcile. Up is immediate. Down waits until the lower floor has
 * been asked for a whole stabilization window, then steps by stepReplicas every stepIntervalSeconds.
 */
export function nextHeld(
  spec: PlanSpec,
  held: number,
  wanted: number,
  previous: SurgePlanStatus | undefined,
  now: Date,
): { held: number; lowerFloorSince: Date | undefined; wakeAt: Date | undefined; stepped: boolean } {
  if (wanted >= held) return { held: wanted, lowerFloorSince: undefined, wakeAt: undefined, stepped: false };
  const since = previous?.lowerFloorSince !== undefined ? new Date(previous.lowerFloorSince) : now;
  const stableAt = new Date(since.getTime() + spec.stabilizationWindowSeconds * 1000);
  const lastScale = previous?.lastScaleTime !== undefined ? new Date(previous.lastScaleTime) : undefined;
  // Only a scale after the lower floor was first asked for is a step of this stand-down.
  const lastStep = lastScale !== undefined && lastScale >= since ? lastScale : undefined;
  const nextStepAt = later(stableAt, lastStep && new Date(lastStep.getTime() + spec.stepIntervalSeconds * 1000)) ?? stableAt;
  if (now < nextStepAt) return { held, lowerFloorSince: since, wakeAt: nextStepAt, stepped: false };
  const stepped = Math.max(wanted, held - spec.stepReplicas);
  const done = stepped === wanted;
  return {
    held: stepped,
    lowerFloorSince: done ? undefined : since,
    wakeAt: done ? undefined : new Date(now.getTime() + spec.stepIntervalSeconds * 1000),
    stepped: true,
  };
}

export function planTarget(plan: SurgePlan, state: NamespaceState): TargetDecision {
  const { now } = state;
  const spec = planSpec(plan);
  const name = plan.metadata?.name ?? '';
  const generation = plan.metadata?.generation ?? 0;
  const previous = plan.status;
  const paused = plan.metadata?.annotations?.[annotations.paused] === 'true';
  const deployment = state.deployments.find((d) => d.metadata?.name === spec.target);
  const kubeEvents: KubeEvent[] = [];
  const { floor: asked, drivenBy } = targetFloor(spec, state.events, now);

  if (deployment === undefined) {
    const message = `Deployment ${spec.target} does not exist in namespace ${state.namespace}; nothing to scale until it does.`;
    if (previous?.conditions?.find((c) => c.type === 'Degraded')?.reason !== 'TargetNotFound') {
      kubeEvents.push({ regarding: planRef(plan), type: 'Warning', reason: 'TargetNotFound', message });
    }
    return {
      plan, spec, deployment, paused, held: spec.standby, wanted: asked, patches: [], kubeEvents, wakeAt: undefined,
      status: {
        observedGeneration: generation,
        targetFloor: asked,
        drivenBy,
        ...(previous?.lastScaleTime !== undefined ? { lastScaleTime: previous.lastScaleTime } : {}),
        conditions: conditions(previous?.conditions, [
          { type: 'Ready', status: 'False', reason: 'TargetNotFound', message },
          { type: 'Degraded', status: 'True', reason: 'TargetNotFound', message },
          pausedCondition(paused),
        ], generation, now),
      },
    };
  }

  const hpa = hpaFor(state.hpas, spec.target);
  const holder = hpa ?? deployment;
  const held = heldFloor(holder, spec.standby);
  // In doubt stay up: without a reliable view of the events, never go below what is held.
  const wanted = state.eventsKnown ? asked : Math.max(asked, held);
  const ready = deployment.status?.readyReplicas ?? 0;
  const replicas = deployment.spec?.replicas ?? 1;

  if (paused) {
    const message = `The annotation ${annotations.paused}=true is set: the operator leaves Deployment ${spec.target} alone (events ask for ${asked} replicas).`;
    if (previous?.conditions?.find((c) => c.type === 'Paused')?.status !== 'True') {
      kubeEvents.push({ regarding: planRef(plan), type: 'Normal', reason: 'Paused', message });
    }
    return {
      plan, spec, deployment, paused, held, wanted, patches: [], kubeEvents, wakeAt: undefined,
      status: {
        observedGeneration: generation,
        floor: held,
        targetFloor: asked,
        desiredReplicas: replicas,
        readyReplicas: ready,
        scaledBy: hpa === undefined ? 'Deployment' : 'HorizontalPodAutoscaler',
        drivenBy,
        ...(previous?.lastScaleTime !== undefined ? { lastScaleTime: previous.lastScaleTime } : {}),
        conditions: conditions(previous?.conditions, [
          readyCondition(ready, held, spec.target),
          { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'The target exists.' },
          pausedCondition(true),
        ], generation, now),
      },
    };
  }

  const step = nextHeld(spec, held, wanted, previous, now);
  const surging = step.held > spec.standby;
  const target = deploymentRef(spec.target, deployment.metadata?.uid);
  const patches: TargetPatch[] = [];
  let desired = replicas;
  let drift = false;

  if (hpa !== undefined) {
    const ann = hpa.metadata?.annotations ?? {};
    const min = hpa.spec?.minReplicas ?? 1;
    const max = hpa.spec?.maxReplicas ?? min;
    const originalMin = ann[annotations.originalMinReplicas] ?? String(min);
    const originalMax = ann[annotations.originalMaxReplicas] ?? String(max);
    if (surging) {
      const wantMax = Math.max(Number(originalMax), step.held);
      const marked = ann[annotations.appliedFloor] === String(step.held) && ann[annotations.originalMinReplicas] !== undefined;
      if (!marked || min !== step.held || max !== wantMax) {
        drift = marked && min < step.held;
        patches.push({
          kind: 'HorizontalPodAutoscaler',
          name: hpa.metadata?.name ?? '',
          patch: {
            metadata: {
              annotations: {
                [annotations.appliedFloor]: String(step.held),
                [annotations.surgePlan]: name,
                [annotations.originalMinReplicas]: originalMin,
                [annotations.originalMaxReplicas]: originalMax,
              },
            },
            spec: { minReplicas: step.held, maxReplicas: wantMax },
          },
        });
      }
      // The HPA controller would only raise the replicas at its next sync (15 s by default); raising
      // them to the HPA's own new minimum now cannot fight it, as the HPA never goes below minReplicas.
      if (replicas < step.held) {
        patches.push({ kind: 'Deployment', name: spec.target, replicas: step.held });
        desired = step.held;
      }
    } else if (ann[annotations.appliedFloor] !== undefined) {
      patches.push(restoreHpa(hpa.metadata?.name ?? '', Number(originalMin), Number(originalMax)));
    }
  } else {
    const ann = deployment.metadata?.annotations ?? {};
    const marked = ann[annotations.appliedFloor] !== undefined;
    let wantAnnotations: Record<string, string | null> | undefined;
    if (surging && (ann[annotations.appliedFloor] !== String(step.held) || ann[annotations.surgePlan] !== name)) {
      wantAnnotations = { [annotations.appliedFloor]: String(step.held), [annotations.surgePlan]: name };
    } else if (!surging && marked) {
      wantAnnotations = { [annotations.appliedFloor]: null, [annotations.surgePlan]: null };
    }
    // A step down sets the replicas exactly; otherwise the floor is a minimum and extra replicas stay.
    const wantReplicas = step.stepped ? step.held : Math.max(replicas, step.held);
    drift = !step.stepped && step.held === held && replicas < step.held;
    if (wantAnnotations !== undefined || wantReplicas !== replicas) {
      patches.push({
        kind: 'Deployment',
        name: spec.target,
        ...(wantAnnotations !== undefined ? { annotations: wantAnnotations } : {}),
        ...(wantReplicas !== replicas ? { replicas: wantReplicas } : {}),
      });
      desired = wantReplicas;
    }
  }

  const events = drivenBy.length > 0 ? ` for DisasterEvent ${drivenBy.join(', ')}` : '';
  const drivers = state.events.filter((e) => drivenBy.includes(e.metadata?.name ?? ''));
  // Every scaling action is told on the target and on the incidents that caused it.
  const onDrivers = (type: KubeEvent['type'], reason: string, message: string) => {
    for (const e of drivers) {
      kubeEvents.push({ regarding: { apiVersion: 'kathelfer.io/v1alpha1', kind: 'DisasterEvent', name: e.metadata?.name ?? '', uid: e.metadata?.uid }, type, reason, message });
    }
  };
  if (drift) {
    kubeEvents.push({
      regarding: target, type: 'Warning', reason: 'DriftCorrected',
      message: `${spec.target} was scaled below the surge floor of ${step.held}${events}; restored it.`,
    });
    onDrivers('Warning', 'DriftCorrected', `${spec.target} had been scaled below its floor of ${step.held}; restored it.`);
  } else if (step.held > held) {
    kubeEvents.push({
      regarding: target, type: 'Normal', reason: 'ScaledUp',
      message: `Raised the floor of ${spec.target} from ${held} to ${step.held} replicas${events}${hpa !== undefined ? ` (HPA ${hpa.metadata?.name} minReplicas)` : ''}.`,
    });
    onDrivers('Normal', 'ScaledUp', `Raised ${spec.target} from ${held} to ${step.held} replicas (SurgePlan ${name}).`);
  } else if (step.stepped) {
    kubeEvents.push({
      regarding: target, type: 'Normal', reason: surging ? 'ScaledDown' : 'StoodDown',
      message: surging
        ? `Stepped ${spec.target} down from ${held} to ${step.held} replicas on the way to ${wanted}.`
        : `${spec.target} is back at its standby floor of ${step.held} replicas.`,
    });
  }

  const changed = patches.length > 0;
  const lastScaleTime = changed ? now.toISOString() : previous?.lastScaleTime;
  return {
    plan, spec, deployment, paused, held: step.held, wanted, patches, kubeEvents, wakeAt: step.wakeAt,
    status: {
      observedGeneration: generation,
      floor: step.held,
      targetFloor: asked,
      desiredReplicas: desired,
      readyReplicas: ready,
      scaledBy: hpa === undefined ? 'Deployment' : 'HorizontalPodAutoscaler',
      drivenBy,
      ...(lastScaleTime !== undefined ? { lastScaleTime } : {}),
      ...(step.lowerFloorSince !== undefined ? { lowerFloorSince: step.lowerFloorSince.toISOString() } : {}),
      conditions: conditions(previous?.conditions, [
        readyCondition(ready, step.held, spec.target),
        state.eventsKnown
          ? { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'The target exists and the DisasterEvents are known.' }
          : { type: 'Degraded', status: 'True', reason: 'EventsUnknown', message: 'The DisasterEvents cannot be read reliably; holding the floor and never scaling down until they can.' },
        pausedCondition(false),
      ], generation, now),
    },
  };
}

function readyCondition(ready: number, floor: number, target: string): ConditionInput {
  return ready >= floor
    ? { type: 'Ready', status: 'True', reason: 'FloorReached', message: `${ready} replicas of ${target} are ready; the floor is ${floor}.` }
    : { type: 'Ready', status: 'False', reason: 'WaitingForReplicas', message: `${ready} of ${floor} replicas of ${target} are ready.` };
}

function pausedCondition(paused: boolean): ConditionInput {
  return paused
    ? { type: 'Paused', status: 'True', reason: 'PausedByAnnotation', message: `${annotations.paused}=true: the target is left alone.` }
    : { type: 'Paused', status: 'False', reason: 'NotPaused', message: 'The operator manages the target.' };
}
