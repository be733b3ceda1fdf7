import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { annotations } from '../api/annotations.js';
import type { TargetPatch } from './model.js';

/**
 * The rules for one target, as pure functions of what the target looks like now. They share one
 * contract, which the planner's property tests check:
 * - only an active incident raises anything (replicas, minReplicas, maxReplicas);
 * - a value above the floor is never lowered while the floor is not being stood down, whoever set it;
 * - a stand-down step lowers by at most stepReplicas, from the actual count, never below the goal;
 * - only with every cache synced is anything lowered or released;
 * - the operator records as "original" only values it did not write itself.
 */
export interface TargetInput {
  /** The Deployment's name (the SurgePlan's targetRef). */
  target: string;
  /** The SurgePlan that governs the target. */
  owner: string;
  standby: number;
  stepReplicas: number;
  /** What the active events ask for now (capped); what is raised goes up to this, never beyond. */
  goal: number;
  /** An event is active for this target: the only case in which anything is raised. */
  active: boolean;
  /** Every cache is current: lowering and releasing are allowed. */
  synced: boolean;
  /** A stand-down step is due now (only read while the goal is below the held floor; never in doubt). */
  stepDue: boolean;
  now: Date;
}

/** Something worth a Kubernetes Event on the target, with the real numbers. */
export interface Note {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Also told on the incidents driving the target (raises and corrections). */
  onIncidents?: boolean;
}

export interface TargetOutcome {
  patches: TargetPatch[];
  /** The floor held after this reconcile. */
  held: number;
  /** The Deployment's spec.replicas after this reconcile. */
  replicas: number;
  /** The held floor, the replicas or the HPA's minReplicas changed (moves lastScaleTime). */
  scaled: boolean;
  /** The held floor is still above the goal: more stand-down steps to come. */
  standingDown: boolean;
  notes: Note[];
}

/** A non-negative whole number written in an annotation, or undefined if absent or garbled. */
export function count(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,9}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** The floor the operator holds on a target, from its mark; undefined when it holds none. */
export function appliedFloor(holder: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  return count(holder.metadata?.annotations?.[annotations.appliedFloor]);
}

/** Whether the operator left any mark on the object. */
export function isMarked(holder: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const ann = holder.metadata?.annotations ?? {};
  return Object.values(annotations).some((a) => a !== annotations.paused && ann[a] !== undefined);
}

/** Every mark the operator may leave on a target, as a merge patch that deletes them. */
export const releaseMarks = (): Record<string, null> => ({
  [annotations.appliedFloor]: null,
  [annotations.surgePlan]: null,
  [annotations.originalMinReplicas]: null,
  [annotations.originalMaxReplicas]: null,
  [annotations.appliedMaxReplicas]: null,
  [annotations.lastScaleTime]: null,
});

/** Only the entries of `want` that differ from `have` (undefined when none does). */
function changed(have: Record<string, string>, want: Record<string, string | null>): Record<string, string | null> | undefined {
  const diff = Object.fromEntries(Object.entries(want).filter(([k, v]) => (v === null ? have[k] !== undefined : have[k] !== v)));
  return Object.keys(diff).length > 0 ? diff : undefined;
}

const standDownNote = (target: string, from: number, to: number, goal: number, standby: number): Note =>
  to > goal
    ? { type: 'Normal', reason: 'ScaledDown', message: `Stepped ${target} down from ${from} to ${to} replicas on the way to ${goal}.` }
    : { type: 'Normal', reason: 'StoodDown', message: goal === standby ? `${target} is back at its standby floor: stepped down from ${from} to ${to} replicas.` : `Stepped ${target} down from ${from} to ${to} replicas, the floor the remaining incidents need.` };

/**
 * A Deployment that no HPA scales: the operator holds `spec.replicas ≥ floor` during an incident
 * and keeps any replicas above it; a stand-down steps from the actual count.
 */
export function planDeployment(input: TargetInput, deployment: V1Deployment): TargetOutcome {
  const { target, goal, standby } = input;
  const ann = deployment.metadata?.annotations ?? {};
  const applied = count(ann[annotations.appliedFloor]);
  const held = applied ?? standby;
  const replicas = deployment.spec?.replicas ?? 1;
  const notes: Note[] = [];
  let newHeld: number;
  let newReplicas = replicas;

  if (goal >= held || !input.stepDue) {
    newHeld = goal >= held ? goal : held;
    if (input.active && replicas < goal) {
      newReplicas = goal;
      notes.push(applied !== undefined && applied >= goal
        ? { type: 'Warning', reason: 'DriftCorrected', message: `${target} had ${replicas} replicas, below its surge floor of ${goal}; raised it to ${goal}.`, onIncidents: true }
        : { type: 'Normal', reason: 'ScaledUp', message: `Raised ${target} from ${replicas} to ${goal} replicas.`, onIncidents: true });
    } else if (goal > held && goal > standby) {
      notes.push({ type: 'Normal', reason: 'FloorHeld', message: `${target} already has ${replicas} replicas, at or above its surge floor of ${goal}; holding that floor, nothing scaled.`, onIncidents: true });
    }
  } else if (input.active && replicas > held) {
    // An incident still runs: only the operator's floor steps down; replicas someone added above
    // it stay for as long as any incident lasts.
    newHeld = Math.max(goal, held - input.stepReplicas);
    notes.push({ type: 'Normal', reason: 'ScaledDown', message: `Lowered the floor of ${target} from ${held} to ${newHeld} on the way to ${goal}; its ${replicas} replicas (more than the floor) are left as they are while an incident lasts.` });
  } else {
    // A stand-down step, from the replicas the Deployment has now: never up, at most stepReplicas down.
    newReplicas = replicas > goal ? Math.max(goal, replicas - input.stepReplicas) : input.active ? Math.max(replicas, goal) : replicas;
    newHeld = Math.max(goal, newReplicas);
    if (newReplicas < replicas) notes.push(standDownNote(target, replicas, newReplicas, goal, standby));
  }

  const scaled = newReplicas !== replicas || newHeld !== held;
  const wantMarks: Record<string, string | null> = newHeld > standby
    ? { [annotations.appliedFloor]: String(newHeld), [annotations.surgePlan]: input.owner, ...(scaled ? { [annotations.lastScaleTime]: input.now.toISOString() } : {}) }
    : input.synced ? releaseMarks() : {};
  const annotationPatch = changed(ann, wantMarks);
  const patches: TargetPatch[] = annotationPatch !== undefined || newReplicas !== replicas
    ? [{ kind: 'Deployment', name: target, ...(annotationPatch !== undefined ? { annotations: annotationPatch } : {}), ...(newReplicas !== replicas ? { replicas: newReplicas } : {}) }]
    : [];
  return { patches, held: newHeld, replicas: newReplicas, scaled, standingDown: newHeld > goal, notes };
}

/**
 * A Deployment that an HPA scales: the operator holds the HPA's `minReplicas ≥ floor` (and
 * `maxReplicas ≥ floor`), keeps any higher value whoever set it, and on stand-down restores only
 * what it wrote itself and nobody changed since.
 */
export function planHpa(input: TargetInput, hpa: V2HorizontalPodAutoscaler, deployment: V1Deployment): TargetOutcome {
  const { target, goal, standby } = input;
  const name = hpa.metadata?.name ?? '';
  const ann = hpa.metadata?.annotations ?? {};
  const applied = count(ann[annotations.appliedFloor]);
  const marked = isMarked(hpa);
  const held = applied ?? standby;
  const min = hpa.spec?.minReplicas ?? 1;
  const max = hpa.spec?.maxReplicas ?? min;
  const originalMin = count(ann[annotations.originalMinReplicas]);
  const originalMax = count(ann[annotations.originalMaxReplicas]);
  const appliedMax = count(ann[annotations.appliedMaxReplicas]);
  // minReplicas is the operator's own value while it equals what the operator last wrote.
  const minIsOurs = marked && originalMin !== undefined && min === Math.max(held, originalMin);
  const replicas = deployment.spec?.replicas ?? 1;
  const notes: Note[] = [];
  let newHeld: number;
  let newMin = min;
  let newMax = max;
  let release: boolean;
  const marks: Record<string, string | null> = {};

  if (goal >= held || !input.stepDue) {
    newHeld = goal >= held ? goal : held;
    // A first mark records the HPA's own bounds; a mark without them (removed by hand) cannot be trusted.
    if (!marked) marks[annotations.originalMinReplicas] = String(min);
    if (input.active && min < goal) {
      newMin = goal;
      // A value a person set above the operator's floor is what stand-down must come back to.
      if (marked && originalMin !== undefined && !minIsOurs && min > held) marks[annotations.originalMinReplicas] = String(min);
      if (marked && originalMin === undefined) {
        notes.push({ type: 'Warning', reason: 'OriginalUnknown', message: `HPA ${name} carries the operator's mark but no ${annotations.originalMinReplicas}; its minReplicas before the incident is unknown, so stand-down will leave minReplicas as it finds it.` });
      }
      notes.push(applied !== undefined && applied >= goal
        ? { type: 'Warning', reason: 'DriftCorrected', message: `HPA ${name} minReplicas was ${min}, below the surge floor of ${goal} for ${target}; raised it to ${goal}.`, onIncidents: true }
        : { type: 'Normal', reason: 'ScaledUp', message: `Raised the floor of ${target} to ${goal} replicas: HPA ${name} minReplicas ${min} → ${goal}.`, onIncidents: true });
    } else if (goal > held && goal > standby) {
      notes.push({ type: 'Normal', reason: 'FloorHeld', message: `HPA ${name} minReplicas ${min} is already at or above the surge floor of ${goal} for ${target}; left as is.`, onIncidents: true });
    }
    if (input.active && max < goal) {
      newMax = goal;
      if (originalMax === undefined || (appliedMax !== undefined && max > appliedMax)) marks[annotations.originalMaxReplicas] = String(max);
      marks[annotations.appliedMaxReplicas] = String(goal);
    }
    release = newHeld <= standby && marked && input.synced;
  } else {
    newHeld = Math.max(goal, held - input.stepReplicas);
    release = newHeld <= standby;
    if (!release && minIsOurs) newMin = Math.max(newHeld, originalMin);
    if (!release) {
      notes.push({
        type: 'Normal', reason: 'ScaledDown',
        message: `Lowered the floor of ${target} from ${held} to ${newHeld} on the way to ${goal}: ${newMin !== min ? `HPA ${name} minReplicas ${min} → ${newMin}` : `HPA ${name} minReplicas ${min} left as is`}.`,
      });
    }
  }

  if (release) {
    if (minIsOurs) newMin = originalMin;
    // Only what the operator raised is given back: a restore only ever lowers.
    if (appliedMax !== undefined && max === appliedMax && originalMax !== undefined && originalMax <= max) newMax = Math.max(originalMax, newMin);
    const kept: string[] = [];
    if (!minIsOurs && marked) {
      kept.push(originalMin === undefined
        ? `minReplicas ${min} left as is (its value before the incident is unknown: ${annotations.originalMinReplicas} was removed)`
        : `minReplicas ${min} left as is (changed during the incident; it was ${originalMin} before)`);
    }
    if (appliedMax !== undefined && newMax === max && max !== originalMax) kept.push(`maxReplicas ${max} left as is (${max === appliedMax ? 'its value before the incident is unknown' : `changed during the incident; the operator had set ${appliedMax}`})`);
    notes.push({
      type: kept.length > 0 && kept.some((k) => k.includes('unknown')) ? 'Warning' : 'Normal',
      reason: kept.some((k) => k.includes('unknown')) ? 'OriginalUnknown' : 'StoodDown',
      message: `${target} is back at its standby floor: HPA ${name} minReplicas ${min} → ${newMin}, maxReplicas ${max} → ${newMax}${kept.length > 0 ? `; ${kept.join('; ')}` : ''}.`,
    });
    Object.assign(marks, releaseMarks());
  } else if (newHeld > standby) {
    marks[annotations.appliedFloor] = String(newHeld);
    marks[annotations.surgePlan] = input.owner;
    if (newHeld !== held || newMin !== min) marks[annotations.lastScaleTime] = input.now.toISOString();
  } else {
    // Nothing held above standby and nothing to release: leave no mark at all.
    for (const k of Object.keys(marks)) delete marks[k];
  }

  const patches: TargetPatch[] = [];
  const annotationPatch = changed(ann, marks);
  if (annotationPatch !== undefined || newMin !== min || newMax !== max) {
    patches.push({
      kind: 'HorizontalPodAutoscaler',
      name,
      patch: {
        metadata: { annotations: annotationPatch ?? {} },
        ...(newMin !== min || newMax !== max ? { spec: { ...(newMin !== min ? { minReplicas: newMin } : {}), ...(newMax !== max ? { maxReplicas: newMax } : {}) } } : {}),
      },
    });
  }
  // The HPA would raise the replicas only at its next sync (15 s by default); raising them to the
  // HPA's own new minimum now cannot fight it, as the HPA never goes below minReplicas.
  let newReplicas = replicas;
  if (input.active && replicas < newMin && newMin > min) {
    newReplicas = newMin;
    patches.push({ kind: 'Deployment', name: target, replicas: newMin });
  }
  const finalHeld = release ? standby : newHeld;
  return { patches, held: finalHeld, replicas: newReplicas, scaled: newMin !== min || finalHeld !== held || newReplicas !== replicas, standingDown: finalHeld > goal, notes };
}
