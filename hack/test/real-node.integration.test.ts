import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { eventually, kubeconfigPath, uniqueName } from '../src/test-env.js';
import { realNode } from '../src/real-node.js';

// The real node of the local plane (hack/node.sh), started by `npm test` (hack/with-env.sh):
// containers, probes, DNS and Services work as they do in a cluster, not as kwok pretends.
const node = realNode();
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath());
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const namespace = uniqueName('real-node');

test.before(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

test.after.always(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

/** A Deployment of the nettest workload (hack/node/nettest) pinned to the real node. */
function nettest(name: string, replicas: number): k8s.V1Deployment {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { [node.label]: 'true' },
          tolerations: [{ key: node.label, operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'nettest',
              image: node.testImage,
              imagePullPolicy: 'Never',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

async function readyPods(app: string, want: number): Promise<k8s.V1Pod[] | undefined> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  const ready = pods.items.filter(
    (pod) => !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready.length === want ? ready : undefined;
}

/** The index-th pod and its name; throws when there is none (a test bug, not a cluster fault). */
function nth(pods: k8s.V1Pod[], index: number): { pod: k8s.V1Pod; name: string } {
  const pod = pods[index];
  const name = pod?.metadata?.name;
  if (!pod || !name) throw new Error(`no pod #${index} among ${pods.length}`);
  return { pod, name };
}

/** GET on a pod's IP from the host: the bridge reaches every pod. */
async function podGet(pod: k8s.V1Pod, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${pod.status?.podIP}:8080${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

test('the real node is Ready next to the kwok nodes, tainted, on its bridge address, with the plane\'s kubelet and containerd 2', async (t) => {
  const n = await core.readNode({ name: node.name });
  t.is(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  t.is(n.metadata?.labels?.[node.label], 'true');
  t.deepEqual(
    n.spec?.taints?.map((taint) => `${taint.key}=${taint.value}:${taint.effect}`),
    [`${node.label}=true:NoSchedule`],
  );
  t.is(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, node.ip);
  const version = await kc.makeApiClient(k8s.VersionApi).getCode();
  t.is(n.status?.nodeInfo?.kubeletVersion, version.gitVersion);
  t.regex(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/v?2\./);
  const nodes = await core.listNode();
  t.true(nodes.items.some((other) => other.metadata?.name?.startsWith('kwok-node-')), 'the kwok nodes are still there');
});

test('GIVEN pods on the real node WHEN one resolves a Service by name THEN it reaches the pods behind the ClusterIP, and kubectl logs reach the kubelet', async (t) => {
  await apps.createNamespacedDeployment({ namespace, body: nettest('web', 2) });
  await apps.createNamespacedDeployment({ namespace, body: nettest('client', 1) });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  });
  const web = await eventually('2 web pods Ready', () => readyPods('web', 2), { timeoutMs: 120_000 });
  const client = nth(await eventually('the client pod Ready', () => readyPods('client', 1), { timeoutMs: 120_000 }), 0).pod;
  t.true([...web, client].every((pod) => pod.spec?.nodeName === node.name));
  const service = await core.readNamespacedService({ name: 'web', namespace });

  // CoreDNS answers the Service's full name and the short name through the pod's search path
  for (const name of [`web.${namespace}.svc.cluster.local`, 'web']) {
    const resolved = await eventually(`${name} resolves in the client pod`, async () => {
      const r = await podGet(client, `/resolve?name=${encodeURIComponent(name)}`);
      return r.status === 200 ? r.body : undefined;
    });
    t.is(resolved, service.spec?.clusterIP ?? 'no ClusterIP', `${name} is the ClusterIP`);
  }

  // kube-proxy's rules spread requests to the ClusterIP over both pods
  const answeredBy = new Set<string>();
  await eventually('both web pods answer through the Service', async () => {
    const r = await podGet(client, `/fetch?url=${encodeURIComponent('http://web/')}`);
    if (r.status === 200) answeredBy.add(r.body);
    return answeredBy.size === 2 ? true : undefined;
  });
  t.deepEqual([...answeredBy].sort(), web.map((pod) => pod.metadata?.name).sort());

  // the API server reaches the kubelet on the node's InternalIP (logs, exec, port-forward)
  const log = await core.readNamespacedPodLog({ name: nth([client], 0).name, namespace });
  t.is(typeof log, 'string');
});

test('GIVEN a pod whose readiness probe fails WHEN the kubelet notices THEN the pod turns unready and the Service sends nothing more to it', async (t) => {
  await apps.createNamespacedDeployment({ namespace, body: nettest('probe', 2) });
  await apps.createNamespacedDeployment({ namespace, body: nettest('probe-client', 1) });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: 'probe' }, spec: { selector: { app: 'probe' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  });
  const pods = await eventually('2 probe pods Ready', () => readyPods('probe', 2), { timeoutMs: 120_000 });
  const first = nth(pods, 0);
  const second = nth(pods, 1);
  const client = nth(await eventually('the client pod Ready', () => readyPods('probe-client', 1), { timeoutMs: 120_000 }), 0).pod;

  const turnedOff = await fetch(`http://${first.pod.status?.podIP}:8080/readyz`, { method: 'DELETE' });
  t.is(turnedOff.status, 204);
  const stillReady = await eventually('one probe pod Ready', () => readyPods('probe', 1), { timeoutMs: 30_000 });
  t.is(nth(stillReady, 0).name, second.name);
  const unready = await core.readNamespacedPod({ name: first.name, namespace });
  t.is(unready.status?.phase, 'Running', 'an unready pod keeps running: only the probe failed');

  // once kube-proxy applied the change, 20 requests in a row all reach the ready pod
  await eventually('the Service sends only to the ready pod', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await podGet(client, `/fetch?url=${encodeURIComponent('http://probe/')}`);
      if (r.body !== second.name) return undefined;
    }
    return true;
  });
  t.pass();
});

test('GIVEN PostgreSQL and Redis as host processes WHEN selector-less Services point at the bridge address THEN pods reach them by Service name', async (t) => {
  const exposed = spawnSync('bash', ['hack/node.sh', 'expose-datastores', namespace], { encoding: 'utf8' });
  t.is(exposed.status, 0, exposed.stderr);
  await apps.createNamespacedDeployment({ namespace, body: nettest('datastore-client', 1) });
  const client = nth(await eventually('the client pod Ready', () => readyPods('datastore-client', 1), { timeoutMs: 120_000 }), 0).pod;

  const redis = await podGet(client, `/dial?address=${encodeURIComponent('redis:6379')}&send=${encodeURIComponent('PING\r\n')}`);
  t.deepEqual(redis, { status: 200, body: '+PONG' }, 'Redis answers a pod through the Service redis:6379');
  const postgres = await podGet(client, `/dial?address=${encodeURIComponent('postgres:5432')}`);
  t.deepEqual(postgres, { status: 200, body: 'connected' }, 'PostgreSQL accepts a pod\'s connection through the Service postgres:5432');
});

test('GIVEN a server on the host\'s loopback only WHEN node.sh expose-host --forward gives it a Service THEN pods reach it by name (as Keycloak and the SMTP server of npm start)', async (t) => {
  const server = createServer((_request, response) => response.end('from the host\'s loopback'));
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  t.teardown(() => server.close());
  const { port } = server.address() as AddressInfo;
  const exposed = spawnSync('bash', ['hack/node.sh', 'expose-host', namespace, 'loopback-web', '80', String(port), '--forward'], { encoding: 'utf8' });
  t.is(exposed.status, 0, exposed.stderr);
  await apps.createNamespacedDeployment({ namespace, body: nettest('loopback-client', 1) });
  const client = nth(await eventually('the client pod Ready', () => readyPods('loopback-client', 1), { timeoutMs: 120_000 }), 0).pod;
  t.deepEqual(await podGet(client, `/fetch?url=${encodeURIComponent('http://loopback-web/')}`), { status: 200, body: 'from the host\'s loopback' });
});
