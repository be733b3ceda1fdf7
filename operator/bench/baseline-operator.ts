/**
 * The benchmark's baseline: the least a client can do to react to a declaration — watch
 * DisasterEvents of one namespace and patch one Deployment's scale on every ADDED event. No cache,
 * no planner, no status; it only re-opens its watch when the API server ends it (a fresh CRD's
 * watch cache answers 429 while it initialises). The operator is measured against this in the
 * same run.
 *   node --import tsx baseline-operator.ts <namespace> <deployment> <replicas>
 */
import * as k8s from '@kubernetes/client-node';

function usage(): never {
  throw new Error('usage: baseline-operator.ts NAMESPACE DEPLOYMENT REPLICAS');
}
// Defaults that throw type the three as strings, also inside the watch callback (where narrowing by an if does not reach).
const [namespace = usage(), deployment = usage(), replicas = usage()] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const apps = kc.makeApiClient(k8s.AppsV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const path = `/apis/kathelfer.io/v1alpha1/namespaces/${namespace}/disasterevents`;

async function watch(resourceVersion: string | undefined): Promise<void> {
  await new k8s.Watch(kc).watch(
    path,
    resourceVersion === undefined ? {} : { resourceVersion },
    (type: string, object: k8s.KubernetesObject) => {
      resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
      if (type !== 'ADDED') return;
      void apps.patchNamespacedDeploymentScale({ name: deployment, namespace, body: { spec: { replicas: Number(replicas) } } }, mergePatch);
    },
    () => setTimeout(() => void watch(resourceVersion), 100),
  );
}

// Start from the current list so that only events created from now on count as ADDED.
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
let list: { metadata?: { resourceVersion?: string } } | undefined;
while (list === undefined) {
  list = await custom.listNamespacedCustomObject({ group: 'kathelfer.io', version: 'v1alpha1', namespace, plural: 'disasterevents' })
    .then((l) => l as { metadata?: { resourceVersion?: string } })
    .catch(async () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200)));
}
await watch(list.metadata?.resourceVersion);
process.stdout.write('watching\n');
