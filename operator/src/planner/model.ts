import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { DisasterEvent, SurgePlan } from '../api/types.generated.js';

export type Condition = NonNullable<NonNullable<DisasterEvent['status']>['conditions']>[number];
export type DisasterEventStatus = NonNullable<DisasterEvent['status']>;
export type SurgePlanStatus = NonNullable<SurgePlan['status']>;

/** Everything the planner looks at for one namespace: the current state of the world, and now. */
export interface NamespaceState {
  namespace: string;
  events: DisasterEvent[];
  plans: SurgePlan[];
  deployments: V1Deployment[];
  hpas: V2HorizontalPodAutoscaler[];
  /**
   * True only while every cache the planner reads (DisasterEvents, SurgePlans, Deployments, HPAs)
   * has been listed completely since its last (re)connect and its watch is alive. When false the
   * planner may raise but never lowers or releases anything: in doubt the platform stays up.
   */
  synced: boolean;
  /** The operator-wide cap on any floor (--max-replicas). */
  maxReplicas: number;
  now: Date;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string | undefined;
}

/** A change to a target, as the thin I/O layer applies it (JSON merge patches; null deletes). */
export type TargetPatch =
  | {
      kind: 'HorizontalPodAutoscaler';
      name: string;
      /** JSON merge patch of the HPA (annotations, spec.minReplicas, spec.maxReplicas). */
      patch: { metadata: { annotations: Record<string, string | null> }; spec?: { minReplicas?: number; maxReplicas?: number } };
    }
  | {
      kind: 'Deployment';
      name: string;
      /** Annotations to merge into the Deployment (null deletes), written with the replicas in one patch. */
      annotations?: Record<string, string | null>;
      /** New spec.replicas (through the scale subresource when no annotation changes). */
      replicas?: number;
    };

export interface KubeEvent {
  regarding: ObjectRef;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface NamespacePlan {
  patches: TargetPatch[];
  /** The full desired status of every DisasterEvent and SurgePlan, by name. */
  eventStatuses: Map<string, DisasterEventStatus>;
  planStatuses: Map<string, SurgePlanStatus>;
  kubeEvents: KubeEvent[];
  /**
   * When the namespace must be looked at again without any change (pre-warm, stand-down step,
   * window end); never more than MAX_WAKE_MS after `now` (a longer timer would overflow).
   */
  wakeAt: Date | undefined;
}
