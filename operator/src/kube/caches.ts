import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { group, version } from '../api/annotations.js';
import type { DisasterEvent, SurgePlan } from '../api/types.generated.js';
import { objectCache, type ObjectCache } from './object-cache.js';
import { projectCustom, projectDeployment, projectHpa } from './projections.js';

export type DisasterEventObject = DisasterEvent & k8s.KubernetesObject;
export type SurgePlanObject = SurgePlan & k8s.KubernetesObject;

/** The four kinds the planner reads, each a list-and-watch cache over the watched namespaces. */
export interface Caches {
  events: ObjectCache<DisasterEventObject>;
  plans: ObjectCache<SurgePlanObject>;
  deployments: ObjectCache<k8s.V1Deployment>;
  hpas: ObjectCache<k8s.V2HorizontalPodAutoscaler>;
}

export interface CacheSettings {
  kubeConfig: k8s.KubeConfig;
  /** Namespaces to watch; empty means the whole cluster. */
  namespaces: string[];
  watchTimeoutSeconds: number;
  livenessGraceSeconds: number;
  listTimeoutMs: number;
  logger: Logger;
  /** Any change of any cached object, with the object (to enqueue its namespace). */
  onChange: (kind: keyof Caches, object: k8s.KubernetesObject) => void;
  /** A cache has completed a (re)list. */
  onSynced: (kind: keyof Caches) => void;
}

/** One cache per kind; with several namespaces, one list-and-watch per namespace behind one view. */
export function startCaches(settings: CacheSettings): Caches {
  const make = <T extends k8s.KubernetesObject>(kind: keyof Caches, base: string, plural: string, project: (o: T) => T): ObjectCache<T> => {
    const scopes = settings.namespaces.length === 0 ? [undefined] : settings.namespaces;
    const parts = scopes.map((namespace) => objectCache<T>({
      kubeConfig: settings.kubeConfig,
      path: namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${namespace}/${plural}`,
      project,
      onChange: (o) => settings.onChange(kind, o),
      onSynced: () => settings.onSynced(kind),
      watchTimeoutSeconds: settings.watchTimeoutSeconds,
      livenessGraceSeconds: settings.livenessGraceSeconds,
      listTimeoutMs: settings.listTimeoutMs,
      logger: settings.logger,
    }));
    if (parts.length === 1 && parts[0] !== undefined) return parts[0];
    const partFor = (o: k8s.KubernetesObject) => parts[scopes.indexOf(o.metadata?.namespace as never)];
    return {
      list: (namespace) => (namespace === undefined ? parts.flatMap((p) => [...p.list()]) : partFor({ metadata: { namespace } })?.list(namespace) ?? []),
      synced: () => parts.every((p) => p.synced()),
      everSynced: () => parts.every((p) => p.everSynced()),
      observe: (o) => partFor(o)?.observe(o),
      stop: async () => {
        await Promise.all(parts.map((p) => p.stop()));
      },
    };
  };
  const custom = `/apis/${group}/${version}`;
  return {
    events: make<DisasterEventObject>('events', custom, 'disasterevents', projectCustom),
    plans: make<SurgePlanObject>('plans', custom, 'surgeplans', projectCustom),
    deployments: make<k8s.V1Deployment>('deployments', '/apis/apps/v1', 'deployments', projectDeployment),
    hpas: make<k8s.V2HorizontalPodAutoscaler>('hpas', '/apis/autoscaling/v2', 'horizontalpodautoscalers', projectHpa),
  };
}

/** The four caches as one list, for what applies to all of them (synced, stop). */
export function everyCache(caches: Caches): Array<ObjectCache<k8s.KubernetesObject>> {
  return [caches.events, caches.plans, caches.deployments, caches.hpas] as Array<ObjectCache<k8s.KubernetesObject>>;
}
