// Generated from crds/*.yaml by src/api/generate-types.ts (npm run generate -w operator). Do not edit.

import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * A disaster or major incident declared by an authority. While it is Active the platform holds the registration, task and matching services at surge capacity; ending it keeps the object as a record and stands the platform down.
 */
export interface DisasterEvent {
apiVersion?: string
kind?: string
metadata?: V1ObjectMeta
/**
 * What the authority declares.
 */
spec: {
/**
 * Short human title of the incident, e.g. "Hochwasser Ahr, Juli".
 */
title: string
/**
 * Kind of incident.
 */
type: ("flood" | "storm" | "wildfire" | "earthquake" | "heat" | "blackout" | "pandemic" | "chemical" | "other")
/**
 * 1 (local incident) to 4 (catastrophe). Chooses the surge replicas of every SurgePlan in the namespace.
 */
severity: number
/**
 * Affected area, for the coordinators and for matching helpers by distance.
 */
region?: {
/**
 * Name of the area, e.g. "Landkreis Ahrweiler".
 */
name: string
/**
 * Latitude of the centre in degrees (WGS 84).
 */
lat?: number
/**
 * Longitude of the centre in degrees (WGS 84).
 */
lon?: number
/**
 * Radius of the affected area around the centre, in kilometres.
 */
radiusKm?: number
}
/**
 * When the incident is in force. A start in the future pre-warms the services (SurgePlan prewarmSeconds) before it; after the end the platform stands down.
 */
window?: {
/**
 * Start, RFC 3339, e.g. 2026-07-14T18:00:00Z.
 */
start?: string
/**
 * End, RFC 3339. Must be after the start.
 */
end?: string
}
/**
 * How many spontaneous volunteers the authority expects. With a SurgePlan's helpersPerReplica it raises the floor to ceil(expectedHelpers / helpersPerReplica).
 */
expectedHelpers?: number
/**
 * Active while the incident lasts; set Ended to stand the platform down and keep this object as the record of the incident.
 */
state?: ("Active" | "Ended")
}
/**
 * What the operator observed and did.
 */
status?: {
/**
 * The metadata.generation this status describes.
 */
observedGeneration?: number
/**
 * One word for humans; Scheduled, Surging, Ready, StandingDown or Ended.
 */
phase?: string
/**
 * When the incident was declared (the object's creation).
 */
declaredAt?: string
/**
 * When every service first had its surge floor of ready replicas.
 */
surgeReadyAt?: string
/**
 * Seconds from declaredAt (or the pre-warm start) to surgeReadyAt.
 */
timeToSurgeSeconds?: number
/**
 * When the operator first saw the incident ended.
 */
endedAt?: string
/**
 * Every service this incident scales, from the SurgePlans of the namespace.
 */
targets?: {
/**
 * The Deployment.
 */
name: string
/**
 * The SurgePlan that governs it.
 */
surgePlan?: string
/**
 * Replicas without an incident.
 */
standby?: number
/**
 * Replicas this incident needs at least.
 */
floor?: number
/**
 * Replicas the Deployment asks for now.
 */
desired?: number
/**
 * Replicas ready now.
 */
ready?: number
}[]
/**
 * Ready (every service has its surge floor ready), Progressing, Degraded.
 */
conditions?: {
type: string
status: ("True" | "False" | "Unknown")
observedGeneration?: number
lastTransitionTime: string
reason: string
message: string
}[]
}
}

/**
 * How one service scales for incidents: its standby replicas, its surge replicas per severity, and how it stands down. The annotation kathelfer.io/paused: "true" makes the operator leave the target alone.
 */
export interface SurgePlan {
apiVersion?: string
kind?: string
metadata?: V1ObjectMeta
spec: {
/**
 * The workload this plan scales (a Deployment in the same namespace).
 */
targetRef: {
apiVersion?: "apps/v1"
kind?: "Deployment"
/**
 * Name of the Deployment.
 */
name: string
}
/**
 * Replicas without an incident (the standby minimum).
 */
standbyReplicas: number
/**
 * Replicas while a DisasterEvent of each severity is active. Each must be at least standbyReplicas and at least the one of the severity below.
 */
surgeReplicas: {
/**
 * Replicas at severity 1.
 */
severity1: number
/**
 * Replicas at severity 2.
 */
severity2: number
/**
 * Replicas at severity 3.
 */
severity3: number
/**
 * Replicas at severity 4.
 */
severity4: number
}
/**
 * Upper bound for the floor, also when expectedHelpers asks for more; required with helpersPerReplica. The operator caps every floor at its --max-replicas as well (default 100).
 */
maxReplicas?: number
/**
 * Capacity hint: with a DisasterEvent's expectedHelpers the floor is at least ceil(expectedHelpers / helpersPerReplica), capped by maxReplicas.
 */
helpersPerReplica?: number
/**
 * Seconds before a DisasterEvent's window.start at which the surge begins.
 */
prewarmSeconds?: number
/**
 * How the target stands down after the incidents that drove it end.
 */
scaleDown?: {
/**
 * How long the lower floor must hold before the first step down.
 */
stabilizationWindowSeconds?: number
/**
 * Replicas removed per step.
 */
stepReplicas?: number
/**
 * Seconds between two steps down.
 */
stepIntervalSeconds?: number
}
}
status?: {
observedGeneration?: number
/**
 * Replicas the operator holds the target at now (steps down gradually).
 */
floor?: number
/**
 * The floor the active DisasterEvents ask for now.
 */
targetFloor?: number
/**
 * Replicas the Deployment asks for now.
 */
desiredReplicas?: number
/**
 * Replicas of the Deployment ready now.
 */
readyReplicas?: number
/**
 * Whether the floor is applied as the HPA's minReplicas or as the Deployment's replicas.
 */
scaledBy?: ("HorizontalPodAutoscaler" | "Deployment")
/**
 * The active DisasterEvents that set the floor.
 */
drivenBy?: string[]
/**
 * When the operator last changed the target.
 */
lastScaleTime?: string
/**
 * Since when the events ask for less than the floor held (stand-down stabilization).
 */
lowerFloorSince?: string
conditions?: {
type: string
status: ("True" | "False" | "Unknown")
observedGeneration?: number
lastTransitionTime: string
reason: string
message: string
}[]
}
}

/** The defaults the API server fills in, by field path. */
export const crdDefaults = {
  "DisasterEvent": {
    "spec.state": "Active"
  },
  "SurgePlan": {
    "spec.targetRef.apiVersion": "apps/v1",
    "spec.targetRef.kind": "Deployment",
    "spec.prewarmSeconds": 0,
    "spec.scaleDown": {},
    "spec.scaleDown.stabilizationWindowSeconds": 300,
    "spec.scaleDown.stepReplicas": 1,
    "spec.scaleDown.stepIntervalSeconds": 60
  }
} as const;
