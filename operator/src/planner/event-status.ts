import type { DisasterEvent } from '../api/types.generated.js';
import { conditions, iso, type ConditionInput } from './conditions.js';
import { activity, demand } from './floor.js';
import type { DisasterEventStatus, KubeEvent, NamespaceState, ObjectRef } from './model.js';
import type { TargetDecision } from './target-planner.js';

const eventRef = (event: DisasterEvent): ObjectRef => ({
  apiVersion: 'kathelfer.io/v1alpha1',
  kind: 'DisasterEvent',
  name: event.metadata?.name ?? '',
  uid: event.metadata?.uid,
});

/** The status of one DisasterEvent given what the planner decided for every target. */
export function eventStatus(
  event: DisasterEvent,
  decisions: TargetDecision[],
  state: NamespaceState,
): { status: DisasterEventStatus; kubeEvents: KubeEvent[]; wakeAt: Date | undefined } {
  const { now } = state;
  const previous = event.status;
  const generation = event.metadata?.generation ?? 0;
  const kubeEvents: KubeEvent[] = [];
  const created = event.metadata?.creationTimestamp as unknown as string | Date | undefined;
  const declaredAt = previous?.declaredAt ?? (created !== undefined ? iso(new Date(created)) : iso(now));
  // One entry per Deployment: a plan whose target another plan governs is not counted.
  const owning = decisions.filter((d) => d.deployment !== undefined && d.claimedBy === undefined);
  const managed = owning.filter((d) => !d.paused);
  const prewarm = Math.max(0, ...decisions.map((d) => d.spec.prewarmSeconds));
  const act = activity(event, prewarm, now);

  const targets = managed.map((d) => ({
    name: d.spec.target,
    surgePlan: d.plan.metadata?.name ?? '',
    standby: d.spec.standby,
    floor: act.kind === 'active' ? Math.min(demand(d.spec, event), state.maxReplicas) : d.spec.standby,
    desired: d.status.desiredReplicas ?? d.deployment?.spec?.replicas ?? 0,
    ready: d.deployment?.status?.readyReplicas ?? 0,
  }));

  const missing = decisions.filter((d) => d.deployment === undefined);
  const degraded: ConditionInput =
    decisions.length === 0
      ? { type: 'Degraded', status: 'True', reason: 'NoSurgePlans', message: `There is no SurgePlan in namespace ${state.namespace}: nothing will be scaled for this incident.` }
      : missing.length > 0
        ? { type: 'Degraded', status: 'True', reason: 'TargetNotFound', message: missing.map((d) => `SurgePlan ${d.plan.metadata?.name} names Deployment ${d.spec.target}, which does not exist`).join('; ') + '.' }
        : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: `${decisions.length} SurgePlans, every target exists.` };

  let phase: string;
  let ready: ConditionInput;
  let progressing: ConditionInput;
  let surgeReadyAt = previous?.surgeReadyAt;
  let timeToSurgeSeconds = previous?.timeToSurgeSeconds;
  let endedAt = previous?.endedAt;
  let wakeAt: Date | undefined;

  if (act.kind === 'ended') {
    endedAt ??= iso(act.at ?? now);
    // A paused plan's target stays where it is: not stood down while it is still raised.
    const standingDown = owning.filter((d) => d.held > d.wanted);
    phase = standingDown.length > 0 ? 'StandingDown' : 'Ended';
    ready = { type: 'Ready', status: 'False', reason: 'Ended', message: `The incident ended at ${endedAt}; the services stand down as their SurgePlans say.` };
    const describe = (d: TargetDecision) => d.paused
      ? `${d.spec.target} stays at a floor of ${d.held}: its SurgePlan ${d.plan.metadata?.name} is paused`
      : `${d.spec.target} held at ${d.held}, going to ${d.wanted}`;
    progressing = standingDown.length > 0
      ? { type: 'Progressing', status: 'True', reason: standingDown.every((d) => d.paused) ? 'PausedAboveFloor' : 'StandingDown', message: `Standing down: ${standingDown.map(describe).join('; ')}.` }
      : { type: 'Progressing', status: 'False', reason: 'StoodDown', message: 'Every service this incident raised is back at the floor the remaining incidents need.' };
  } else if (act.kind === 'scheduled') {
    phase = 'Scheduled';
    wakeAt = act.surgeAt;
    ready = { type: 'Ready', status: 'False', reason: 'Scheduled', message: `The surge starts at ${iso(act.surgeAt)} (window.start minus the largest prewarmSeconds, ${prewarm} s).` };
    progressing = { type: 'Progressing', status: 'False', reason: 'Scheduled', message: 'Waiting for the pre-warm time.' };
  } else {
    const waiting = targets.filter((t) => t.ready < t.floor);
    const allReady = targets.length > 0 && waiting.length === 0;
    if (allReady && surgeReadyAt === undefined) {
      surgeReadyAt = now.toISOString();
      timeToSurgeSeconds = Math.max(0, Math.round((now.getTime() - act.since.getTime()) / 100) / 10);
      kubeEvents.push({
        regarding: eventRef(event), type: 'Normal', reason: 'SurgeReady',
        message: `All ${targets.length} services reached their surge floor in ${timeToSurgeSeconds} s.`,
      });
    }
    phase = allReady ? 'Ready' : 'Surging';
    const summary = targets.map((t) => `${t.name} ${t.ready}/${t.floor}`).join(', ');
    ready = targets.length === 0
      ? { type: 'Ready', status: 'False', reason: degraded.reason, message: degraded.message }
      : allReady
        ? { type: 'Ready', status: 'True', reason: 'SurgeReached', message: `Every service has its surge floor of ready replicas: ${summary}.` }
        : { type: 'Ready', status: 'False', reason: 'ScalingUp', message: `${targets.length - waiting.length} of ${targets.length} services ready: ${summary}.` };
    progressing = allReady || targets.length === 0
      ? { type: 'Progressing', status: 'False', reason: allReady ? 'SurgeReached' : degraded.reason, message: allReady ? 'The surge is complete.' : degraded.message }
      : { type: 'Progressing', status: 'True', reason: 'ScalingUp', message: `Waiting for ${waiting.map((t) => t.name).join(', ')}.` };
  }

  if (degraded.status === 'True' && previous?.conditions?.find((c) => c.type === 'Degraded')?.status !== 'True') {
    kubeEvents.push({ regarding: eventRef(event), type: 'Warning', reason: degraded.reason, message: degraded.message });
  }
  if (act.kind === 'ended' && previous?.endedAt === undefined) {
    kubeEvents.push({ regarding: eventRef(event), type: 'Normal', reason: 'Ended', message: `The incident ended at ${endedAt}; standing down.` });
  }

  const status: DisasterEventStatus = {
    observedGeneration: generation,
    phase,
    declaredAt,
    ...(surgeReadyAt !== undefined ? { surgeReadyAt } : {}),
    ...(timeToSurgeSeconds !== undefined ? { timeToSurgeSeconds } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    targets,
    conditions: conditions(previous?.conditions, [ready, progressing, degraded], generation, now),
  };
  return { status, kubeEvents, wakeAt };
}
