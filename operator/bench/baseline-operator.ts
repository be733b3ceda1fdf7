/**
 * The benchmark's baseline: the least a client can do to react to a declaration — watch
 * DisasterEvents of one namespace and patch one Deployment's scale on every ADDED event. No cache,
 * no planner, no status. The operator is measured against this in the same run.
 *   node --import tsx baseline-operator.ts <namespace> <deployment> <replicas>
 */
import * as k8s from '@kubernetes/client-node';

const [namespace, deployment, replicas] = process.argv.slice(2);
if (namespace === undefined || deployment === undefined || replicas === undefined) throw new Error('usage: baseline-operator.ts NAMESPACE DEPLOYMENT REPLICAS');
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const apps = kc.makeApiClient(k8s.AppsV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
await new k8s.Watch(kc).watch(
  `/apis/kathelfer.io/v1alpha1/namespaces/${namespace}/disasterevents`,
  {},
  (type: string) => {
    if (type !== 'ADDED') return;
    void apps.patchNamespacedDeploymentScale({ name: deployment, namespace, body: { spec: { replicas: Number(replicas) } } }, mergePatch);
  },
  (error: unknown) => {
    if (error) process.exit(1);
  },
);
process.stdout.write('watching\n');
