import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { eventually, kubeconfigPath, uniqueName } from '../src/test-env.js';

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath());
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const namespace = uniqueName('plane');

test.before(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

test.after.always(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

async function readyReplicas(name: string, want: number): Promise<number | undefined> {
  const deployment = await apps.readNamespacedDeployment({ name, namespace });
  return deployment.status?.readyReplicas === want ? want : undefined;
}

test('the API server is the pinned Kubernetes release, not a stand-in', async (t) => {
  const version = await kc.makeApiClient(k8s.VersionApi).getCode();
  t.regex(version.gitVersion, /^v1\.\d+\.\d+$/);
  t.true(Number(version.minor) >= 34, `expected Kubernetes 1.34 or later, got ${version.gitVersion}`);
});

test('GIVEN a Deployment of 3 replicas WHEN kwok runs its pods THEN 3 are ready, and scaling to 5 through the scale subresource makes 5 ready', async (t) => {
  const name = 'web';
  const labels = { app: name };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
        },
      },
    },
  });
  t.is(await eventually('3 ready replicas', () => readyReplicas(name, 3), { timeoutMs: 60_000 }), 3);

  await apps.patchNamespacedDeploymentScale(
    { name, namespace, body: { spec: { replicas: 5 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const scale = await apps.readNamespacedDeploymentScale({ name, namespace });
  t.is(scale.spec?.replicas, 5);
  t.is(await eventually('5 ready replicas', () => readyReplicas(name, 5), { timeoutMs: 60_000 }), 5);

  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
  const running = pods.items.filter((pod) => pod.status?.phase === 'Running' && pod.spec?.nodeName?.startsWith('kwok-node-'));
  t.is(running.length, 5, 'every pod was scheduled onto a kwok node and runs there');
});

test('the API server serves the resources the operator relies on', async (t) => {
  const autoscaling = await kc.makeApiClient(k8s.AutoscalingV2Api).getAPIResources();
  const coordination = await kc.makeApiClient(k8s.CoordinationV1Api).getAPIResources();
  const appsResources = await apps.getAPIResources();
  t.true(appsResources.resources.some((r) => r.name === 'deployments/scale'));
  t.true(autoscaling.resources.some((r) => r.name === 'horizontalpodautoscalers'));
  t.true(coordination.resources.some((r) => r.name === 'leases'));
});
