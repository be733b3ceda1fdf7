import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { group, version } from '../api/annotations.js';
import type { KubeEvent, TargetPatch } from '../planner/model.js';

/** What a target patch returned, for the caches. */
export type PatchResult =
  | { hpa: k8s.V2HorizontalPodAutoscaler }
  | { deployment: k8s.V1Deployment }
  | { scale: { name: string; replicas: number; resourceVersion: string | undefined } };

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/**
 * The thin layer that writes what the planner decided. It decides nothing; every failure throws so
 * that the work queue retries the namespace with backoff (the planner recomputes from the new state).
 */
export class Applier {
  private readonly apps: k8s.AppsV1Api;
  private readonly autoscaling: k8s.AutoscalingV2Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;

  constructor(
    kubeConfig: k8s.KubeConfig,
    private readonly logger: Logger,
    private readonly options: { dryRun: boolean; identity: string },
  ) {
    this.apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
    this.autoscaling = kubeConfig.makeApiClient(k8s.AutoscalingV2Api);
    this.custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  }

  /**
   * In dry-run mode the API server validates the patch (dryRun=All) and nothing is persisted.
   * @returns what the API server answered, for the caches (the planner must see its own write):
   *   the patched HPA or Deployment, or for a scale-only patch the Deployment's new replicas and
   *   resourceVersion; undefined in dry-run mode.
   */
  async patchTarget(namespace: string, patch: TargetPatch): Promise<PatchResult | undefined> {
    const dryRun = this.options.dryRun ? 'All' : undefined;
    this.logger.info({ namespace, patch, dryRun: this.options.dryRun }, this.options.dryRun ? 'would patch target' : 'patching target');
    if (patch.kind === 'HorizontalPodAutoscaler') {
      const hpa = await this.autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: patch.name, namespace, body: patch.patch, dryRun }, mergePatch);
      return dryRun === undefined ? { hpa } : undefined;
    }
    if (patch.annotations === undefined && patch.replicas !== undefined) {
      const scale = await this.apps.patchNamespacedDeploymentScale({ name: patch.name, namespace, body: { spec: { replicas: patch.replicas } }, dryRun }, mergePatch);
      return dryRun === undefined ? { scale: { name: patch.name, replicas: scale.spec?.replicas ?? patch.replicas, resourceVersion: scale.metadata?.resourceVersion } } : undefined;
    }
    // The floor mark and the replicas in one request: either both are written or neither, so the
    // operator never loses track of a target it raised (and it costs one round trip, not two).
    const deployment = await this.apps.patchNamespacedDeployment(
      {
        name: patch.name,
        namespace,
        body: { metadata: { annotations: patch.annotations }, ...(patch.replicas !== undefined ? { spec: { replicas: patch.replicas } } : {}) },
        dryRun,
      },
      mergePatch,
    );
    return dryRun === undefined ? { deployment } : undefined;
  }

  /**
   * Writes a status only when it differs from the current one, and returns the written object (else undefined). A merge patch replaces arrays and
   * merges objects, so keys that the new status drops are sent as null.
   */
  async writeStatus(namespace: string, plural: 'disasterevents' | 'surgeplans', name: string, current: object | undefined, desired: object): Promise<k8s.KubernetesObject | undefined> {
    if (stableJson(current ?? {}) === stableJson(desired)) return undefined;
    if (this.options.dryRun) {
      this.logger.debug({ namespace, plural, name, status: desired }, 'dry run: status not written');
      return undefined;
    }
    const body: Record<string, unknown> = { ...desired };
    for (const key of Object.keys(current ?? {})) if (!(key in body)) body[key] = null;
    try {
      return (await this.custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body: { status: body } }, mergePatch)) as k8s.KubernetesObject;
    } catch (error) {
      // Deleted since the cache was read (an incident deleted to stand down): nothing to report on.
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  /** Kubernetes Events are best effort, as client-go's recorder treats them: a lost Event never blocks scaling. */
  async record(namespace: string, event: KubeEvent): Promise<void> {
    if (this.options.dryRun) return;
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${event.regarding.name}.`, namespace },
          involvedObject: { ...event.regarding, namespace },
          reason: event.reason,
          message: event.message,
          type: event.type,
          source: { component: 'kathelfer-operator' },
          reportingComponent: 'kathelfer.io/operator',
          reportingInstance: this.options.identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (error) {
      this.logger.warn({ namespace, event, err: (error as Error).message }, 'could not record a Kubernetes Event');
    }
  }
}

/** JSON with sorted keys, so that two equal statuses compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
