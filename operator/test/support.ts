/** Shared set-up of the operator's integration tests: a client for the test cluster, the CRDs, namespaces, targets. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { eventually, kubeconfigPath, uniqueName } from '@kathelfer/hack/test-env';
import { group, version } from '../src/api/annotations.js';
import type { DisasterEvent, SurgePlan } from '../src/api/types.generated.js';
import { createMetrics } from '../src/runtime/metrics.js';
import { SurgeOperator } from '../src/surge-operator.js';

export const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath());
export const core = kc.makeApiClient(k8s.CoreV1Api);
export const apps = kc.makeApiClient(k8s.AppsV1Api);
export const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
export const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Installs the CRDs from crds/ (idempotent; several test files may race) and waits until they serve. */
export async function installCrds(): Promise<void> {
  for (const file of ['kathelfer.io_disasterevents.yaml', 'kathelfer.io_surgeplans.yaml']) {
    // loadYaml deserializes into client-node's model (x-kubernetes-validations → x_kubernetes_validations),
    // which its API client serializes back; a plain YAML object would lose those keys.
    const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(await readFile(fileURLToPath(new URL(`../../crds/${file}`, import.meta.url)), 'utf8'));
    const name = crd.metadata?.name ?? '';
    // Several test files install the CRDs at once: a replace that lost the race (409) reads again.
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await extensions.readCustomResourceDefinition({ name });
        crd.metadata = { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion };
        await extensions.replaceCustomResourceDefinition({ name, body: crd });
        break;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 404) {
          const created = await extensions.createCustomResourceDefinition({ body: { ...crd, metadata: { ...crd.metadata, resourceVersion: undefined } } }).then(
            () => true,
            (e: { code?: number }) => {
              if (e.code !== 409) throw e;
              return false;
            },
          );
          if (created) break;
        } else if (code !== 409 || attempt >= 10) {
          throw error;
        }
      }
    }
    await eventually(`CRD ${name} established`, async () => {
      const c = await extensions.readCustomResourceDefinition({ name });
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? true : undefined;
    });
  }
}

export async function createNamespace(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  await core.deleteNamespace({ name }).catch(() => undefined);
}

export async function createDeployment(namespace: string, name: string, replicas: number): Promise<void> {
  const labels = { app: name };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'registry.invalid/kathelfer/' + name }] } } },
    },
  });
}

export function surgePlan(name: string, spec: Partial<SurgePlan['spec']> = {}, annotations?: Record<string, string>): SurgePlan {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'SurgePlan',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      standbyReplicas: 1,
      surgeReplicas: { severity1: 2, severity2: 3, severity3: 4, severity4: 6 },
      scaleDown: { stabilizationWindowSeconds: 2, stepReplicas: 2, stepIntervalSeconds: 1 },
      ...spec,
    },
  };
}

export function disasterEvent(name: string, spec: Partial<DisasterEvent['spec']> = {}): DisasterEvent {
  return { apiVersion: `${group}/${version}`, kind: 'DisasterEvent', metadata: { name }, spec: { title: `Test ${name}`, type: 'flood', severity: 3, ...spec } };
}

export async function create(namespace: string, object: DisasterEvent | SurgePlan): Promise<void> {
  const plural = object.kind === 'DisasterEvent' ? 'disasterevents' : 'surgeplans';
  await custom.createNamespacedCustomObject({ group, version, namespace, plural, body: object });
}

export async function patchSpec(namespace: string, kind: 'disasterevents' | 'surgeplans', name: string, body: object): Promise<void> {
  await custom.patchNamespacedCustomObject({ group, version, namespace, plural: kind, name, body }, mergePatch);
}

export async function getEvent(namespace: string, name: string): Promise<DisasterEvent> {
  return (await custom.getNamespacedCustomObject({ group, version, namespace, plural: 'disasterevents', name })) as DisasterEvent;
}

export async function getPlan(namespace: string, name: string): Promise<SurgePlan> {
  return (await custom.getNamespacedCustomObject({ group, version, namespace, plural: 'surgeplans', name })) as SurgePlan;
}

export async function replicasOf(namespace: string, name: string): Promise<{ desired: number; ready: number }> {
  const d = await apps.readNamespacedDeployment({ name, namespace });
  return { desired: d.spec?.replicas ?? 0, ready: d.status?.readyReplicas ?? 0 };
}

/** Waits until the Deployment asks for and has `n` ready replicas. */
export async function untilReplicas(namespace: string, name: string, n: number, timeoutMs = 60_000): Promise<true> {
  return eventually(`${namespace}/${name} at ${n} ready replicas`, async () => {
    const r = await replicasOf(namespace, name);
    return r.desired === n && r.ready === n ? true : undefined;
  }, { timeoutMs });
}

export async function untilCondition(namespace: string, name: string, type: string, status: string, timeoutMs = 60_000): Promise<DisasterEvent> {
  return eventually(`${name} ${type}=${status}`, async () => {
    const e = await getEvent(namespace, name);
    return e.status?.conditions?.find((c) => c.type === type)?.status === status ? e : undefined;
  }, { timeoutMs });
}

export async function kubeEvents(namespace: string): Promise<k8s.CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace })).items;
}

/**
 * An operator in this process for one namespace (so that test files running in parallel do not
 * share operators), without leader election, logging warnings only.
 */
export async function startOperator(namespace: string, options: { dryRun?: boolean } = {}): Promise<SurgeOperator> {
  const operator = new SurgeOperator(
    { dryRun: options.dryRun ?? false, leaderElection: false, leaseNamespace: namespace, leaseName: 'unused', identity: uniqueName('test-operator'), resyncSeconds: 30, watchNamespaces: [namespace], kubeConfig: kc },
    pino({ level: 'warn' }),
    createMetrics(),
  );
  await operator.start();
  return operator;
}
