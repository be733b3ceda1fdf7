import type * as k8s from '@kubernetes/client-node';

/**
 * What the operator keeps of each object in its caches: only the fields the planner and the status
 * read. A Deployment's pod template and every object's managedFields are most of its size; with
 * hundreds of namespaces they were most of the operator's memory.
 */
function metadata(m: k8s.V1ObjectMeta | undefined): k8s.V1ObjectMeta {
  return {
    name: m?.name,
    namespace: m?.namespace,
    uid: m?.uid,
    resourceVersion: m?.resourceVersion,
    generation: m?.generation,
    creationTimestamp: m?.creationTimestamp,
    ...(m?.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
    ...(m?.annotations !== undefined ? { annotations: m.annotations } : {}),
  };
}

/** A Deployment: identity, annotations, spec.replicas, the replica counts of its status. */
export function projectDeployment(d: k8s.V1Deployment): k8s.V1Deployment {
  return {
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata: metadata(d.metadata),
    spec: { replicas: d.spec?.replicas, selector: {}, template: {} },
    status: {
      replicas: d.status?.replicas,
      readyReplicas: d.status?.readyReplicas,
      availableReplicas: d.status?.availableReplicas,
      updatedReplicas: d.status?.updatedReplicas,
      observedGeneration: d.status?.observedGeneration,
    },
  };
}

/** An HPA: identity, annotations, its target and bounds (metrics and status are the HPA's business). */
export function projectHpa(h: k8s.V2HorizontalPodAutoscaler): k8s.V2HorizontalPodAutoscaler {
  return {
    apiVersion: h.apiVersion,
    kind: h.kind,
    metadata: metadata(h.metadata),
    spec: { scaleTargetRef: h.spec?.scaleTargetRef, minReplicas: h.spec?.minReplicas, maxReplicas: h.spec?.maxReplicas } as k8s.V2HorizontalPodAutoscalerSpec,
  };
}

/** A custom resource (DisasterEvent, SurgePlan): everything but managedFields. */
export function projectCustom<T extends k8s.KubernetesObject>(o: T): T {
  return { ...o, metadata: { ...o.metadata, managedFields: undefined } };
}
