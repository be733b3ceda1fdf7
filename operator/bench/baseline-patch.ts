/**
 * The scale benchmark's baseline: the least a client can do to apply the same floors — patch the
 * scale of every given Deployment to `replicas`, all at once, on one keep-alive connection pool (the
 * same pool the operator uses, so the baseline is not slowed by a TLS handshake per request). No
 * watch, no cache, no planner, no status, no Events.
 *   node --import tsx baseline-patch.ts <replicas> <namespace/deployment>…
 */
import * as k8s from '@kubernetes/client-node';
import { usePooledConnections } from '../src/kube/kube-http.js';

const [replicas, ...targets] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const apps = usePooledConnections(kc).makeApiClient(k8s.AppsV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
await Promise.all(targets.map(async (t) => {
  const [namespace, name] = t.split('/') as [string, string];
  await apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas: Number(replicas) } } }, mergePatch);
}));
process.exit(0);
