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

/** Options of an in-process operator for a test (see OperatorConfig). */
export interface TestOperatorOptions {
  dryRun?: boolean;
  maxReplicas?: number;
  watchTimeoutSeconds?: number;
  requestTimeoutSeconds?: number;
  kubeConfig?: k8s.KubeConfig;
  metrics?: ReturnType<typeof createMetrics>;
  /** pino level of the operator's log. @default 'warn' */
  logLevel?: string;
}

/**
 * An operator in this process for one namespace (so that test files running in parallel do not
 * share operators), without leader election, logging warnings only.
 */
export async function startOperator(namespace: string, options: TestOperatorOptions = {}): Promise<SurgeOperator> {
  const operator = new SurgeOperator(
    {
      dryRun: options.dryRun ?? false, leaderElection: false, leaseNamespace: namespace, leaseName: 'unused', identity: uniqueName('test-operator'),
      resyncSeconds: 30, watchNamespaces: [namespace], kubeConfig: options.kubeConfig ?? kc,
      maxReplicas: options.maxReplicas, watchTimeoutSeconds: options.watchTimeoutSeconds, requestTimeoutSeconds: options.requestTimeoutSeconds,
    },
    pino({ level: options.logLevel ?? 'warn' }),
    options.metrics ?? createMetrics(),
  );
  await operator.start();
  return operator;
}

/** Events in a namespace with this reason about this object. */
export async function eventsFor(namespace: string, name: string, reason: string): Promise<k8s.CoreV1Event[]> {
  return (await kubeEvents(namespace)).filter((e) => e.involvedObject.name === name && e.reason === reason);
}

export async function createHpa(namespace: string, name: string, min: number, max: number): Promise<void> {
  await autoscaling.createNamespacedHorizontalPodAutoscaler({
    namespace,
    body: {
      metadata: { name },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: min, maxReplicas: max, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    },
  });
}

export async function readHpa(namespace: string, name: string): Promise<k8s.V2HorizontalPodAutoscaler> {
  return autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
}

export async function patchHpa(namespace: string, name: string, body: object): Promise<void> {
  await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name, namespace, body }, mergePatch);
}

export async function scaleDeployment(namespace: string, name: string, replicas: number): Promise<void> {
  await apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, mergePatch);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every value of spec.replicas a Deployment takes while `during` runs, with when it was seen (ms),
 * from a watch of its own.
 */
export async function recordReplicas(namespace: string, name: string): Promise<{ values: () => Array<{ replicas: number; at: number }>; stop: () => Promise<void> }> {
  const seen: Array<{ replicas: number; at: number }> = [];
  const controller = await new k8s.Watch(kc).watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    { fieldSelector: `metadata.name=${name}` },
    (_type: string, d: k8s.V1Deployment) => {
      const r = d.spec?.replicas ?? 0;
      if (seen.at(-1)?.replicas !== r) seen.push({ replicas: r, at: Date.now() });
    },
    () => undefined,
  );
  return { values: () => [...seen], stop: () => Promise.resolve(controller.abort()) };
}

/**
 * What a test file starts and must stop: namespaces and in-process operators, cleaned up after
 * all its tests (`test.after.always(scope.cleanUp)`).
 */
export function testScope() {
  const operators: SurgeOperator[] = [];
  const namespaces: string[] = [];
  return {
    /** A fresh namespace, deleted after the file's tests. */
    namespace: async (prefix: string): Promise<string> => {
      const ns = await createNamespace(prefix);
      namespaces.push(ns);
      return ns;
    },
    /** An operator started for the scope's clean-up to stop. */
    operator: async (namespace: string, options: TestOperatorOptions = {}): Promise<SurgeOperator> => {
      const operator = await startOperator(namespace, options);
      operators.push(operator);
      return operator;
    },
    /** A fresh namespace with its own operator. */
    namespaceWithOperator: async (prefix: string, options: TestOperatorOptions = {}): Promise<string> => {
      const ns = await createNamespace(prefix);
      namespaces.push(ns);
      operators.push(await startOperator(ns, options));
      return ns;
    },
    cleanUp: async (): Promise<void> => {
      await Promise.all(operators.map((o) => o.shutdown()));
      await Promise.all(namespaces.map(deleteNamespace));
    },
  };
}
