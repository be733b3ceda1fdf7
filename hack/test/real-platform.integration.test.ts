import { request } from 'node:http';
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { databaseUrl, eventually, kubeconfigPath, uniqueName } from '../src/test-env.js';
import { realNode } from '../src/real-node.js';
import { installPlatform } from '../src/real-platform.js';

// The platform as real pods on the real node (hack/node.sh), from the images `npm run images`
// builds, applied with manifests/overlays/local: the claims of a surge (Ready, serving, drained)
// measured on containers, not on kwok's timers. One namespace, steps in order (test.serial).
const node = realNode();
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath());
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const namespace = uniqueName('platform');
const services = ['registration', 'tasks', 'matching'] as const;
// a stand-down in steps of 2 replicas every 2 s, so that the test sees several steps under load
const scaleDown = { stabilizationWindowSeconds: 0, stepReplicas: 2, stepIntervalSeconds: 2 };
// twenty Node.js processes starting at once on a shared 2-core machine: minutes, not seconds
const surgeTimeoutMs = 8 * 60_000;

// its own database and Redis database: the services' pods consume streams and write tables that
// the other test files, sharing the host's servers, use in theirs
const database = namespace.replace(/-/g, '_');
const redisDb = 7;

test.before(async () => {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  await installPlatform(namespace, scaleDown, { database, redisDb });
});

test.after.always(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

interface Tally {
  ok: number;
  failed: number;
  failures: string[];
  /** Response bodies of the requests that succeeded, in order. */
  bodies: string[];
}

/** One HTTP request on a new connection (no keep-alive), as a browser behind a proxy would open. */
function send(url: string, method: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveResponse, reject) => {
    const req = request(
      url,
      { method, agent: false, timeout: 10_000, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends requests from the host to `url` with `concurrency` loops until stopped; a request fails
 * when it gets no response or a status other than `expect`. Bounded: at most `maxSeconds`.
 */
function loadLoop(url: string, { concurrency = 4, method = 'GET', body, expect = 200, maxSeconds = 300 }: {
  concurrency?: number; method?: string; body?: () => string; expect?: number; maxSeconds?: number;
} = {}): { stop: () => Promise<Tally> } {
  const tally: Tally = { ok: 0, failed: 0, failures: [], bodies: [] };
  const deadline = Date.now() + maxSeconds * 1000;
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running && Date.now() < deadline) {
      try {
        const response = await send(url, method, body?.());
        if (response.status === expect) {
          tally.ok++;
          tally.bodies.push(response.body);
        } else {
          tally.failed++;
          tally.failures.push(`${response.status} ${response.body.slice(0, 200)}`);
        }
      } catch (error) {
        tally.failed++;
        tally.failures.push((error as Error).message);
      }
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}

async function deployment(name: string): Promise<k8s.V1Deployment> {
  return apps.readNamespacedDeployment({ name, namespace });
}

/** The Deployment's replicas when every one of them is Ready and up to date, else undefined. */
async function allReady(name: string): Promise<number | undefined> {
  const d = await deployment(name);
  const want = d.spec?.replicas ?? -1;
  const s = d.status;
  const settled = s?.readyReplicas === want && s.updatedReplicas === want && (s.replicas ?? 0) === want && !s.terminatingReplicas;
  return settled ? want : undefined;
}

async function readyPods(app: string): Promise<k8s.V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/name=${app}` });
  return pods.items.filter(
    (pod) => !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
}

/** Requests a pod has served, from its Prometheus metrics (operational routes left out). */
async function servedRequests(pod: k8s.V1Pod): Promise<number> {
  const { body } = await send(`http://${pod.status?.podIP}:8080/metrics`, 'GET');
  let total = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds_count{') || /route="\/(readyz|healthz|metrics)"/.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function serviceUrl(name: string, path: string): Promise<string> {
  const service = await core.readNamespacedService({ name, namespace });
  return `http://${service.spec?.clusterIP}:${service.spec?.ports?.[0]?.port}${path}`;
}

async function declare(state: 'Active' | 'Ended'): Promise<void> {
  const body = {
    apiVersion: 'kathelfer.io/v1alpha1',
    kind: 'DisasterEvent',
    metadata: { name: 'hochwasser-ahr' },
    spec: {
      title: 'Hochwasser an der Ahr', type: 'flood', severity: 3, expectedHelpers: 5000, state,
      region: { name: 'Landkreis Ahrweiler', lat: 50.5425, lon: 7.1136, radiusKm: 25 },
    },
  };
  if (state === 'Active') {
    await custom.createNamespacedCustomObject({ group: 'kathelfer.io', version: 'v1alpha1', namespace, plural: 'disasterevents', body });
  } else {
    await custom.patchNamespacedCustomObject(
      { group: 'kathelfer.io', version: 'v1alpha1', namespace, plural: 'disasterevents', name: 'hochwasser-ahr', body: { spec: { state } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }
}

test.serial('every Deployment of manifests/overlays/local becomes Ready on the real node, from the local images, without a restart', async (t) => {
  for (const name of ['kathelfer-operator', ...services]) {
    await eventually(`${name} Ready`, () => allReady(name), { timeoutMs: surgeTimeoutMs, intervalMs: 1000 });
  }
  const pods = await core.listNamespacedPod({ namespace });
  const running = pods.items.filter((pod) => pod.status?.phase === 'Running');
  t.true(running.length >= 5, `${running.length} pods run`);
  for (const pod of running) {
    t.is(pod.spec?.nodeName, node.name, `${pod.metadata?.name} runs on the real node`);
    t.regex(pod.spec?.containers[0]?.image ?? '', /^localhost\/kathelfer\/[a-z-]+:local$/);
    // a slow first start on a busy node must not be killed by the liveness probe (the startup
    // probe holds it off): npm start's operator was restarted that way before it had one
    t.is(pod.status?.containerStatuses?.[0]?.restartCount, 0, `${pod.metadata?.name} started without a restart`);
  }
});

test.serial('GIVEN a severity-3 DisasterEvent WHEN the operator surges THEN every new replica turns Ready and serves requests through its Service', async (t) => {
  const before = Object.fromEntries(await Promise.all(services.map(async (s) => [s, (await deployment(s)).spec?.replicas ?? 0] as const)));
  await declare('Active');
  for (const name of services) {
    await eventually(`${name} raised above standby`, async () => ((await deployment(name)).spec?.replicas ?? 0) > (before[name] ?? 0) || undefined, { timeoutMs: 60_000 });
  }
  const surged: Record<string, number> = {};
  for (const name of services) {
    surged[name] = await eventually(`${name}: every surge replica Ready`, () => allReady(name), { timeoutMs: surgeTimeoutMs, intervalMs: 1000 });
  }
  t.log(`surged to ${JSON.stringify(surged)} from ${JSON.stringify(before)}`);

  for (const name of services) {
    const pods = await readyPods(name);
    t.is(pods.length, surged[name] ?? -1);
    const counts = await Promise.all(pods.map(servedRequests));
    const url = await serviceUrl(name, '/openapi.json');
    // 40 requests per pod on new connections: kube-proxy picks an endpoint at random for each
    const load = loadLoop(url, { concurrency: 4 });
    await eventually(`${name}: every pod served a request`, async () => {
      const now = await Promise.all(pods.map(servedRequests));
      return now.every((n, i) => n > (counts[i] ?? 0)) ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000 });
    const tally = await load.stop();
    t.is(tally.failed, 0, `${name}: ${tally.failures.slice(0, 5).join('; ')}`);
  }
});

test.serial('GIVEN requests under load WHEN the incident ends and the operator stands down THEN no request fails (drain, readiness, endpoint propagation)', async (t) => {
  const urls = await Promise.all(services.map((s) => serviceUrl(s, '/openapi.json')));
  const loads = urls.map((url) => loadLoop(url, { concurrency: 2 }));
  await declare('Ended');
  for (const name of services) {
    await eventually(`${name} back at standby with no pod terminating`, async () => {
      const d = await deployment(name);
      return d.spec?.replicas === 1 && (await allReady(name)) === 1 ? true : undefined;
    }, { timeoutMs: 300_000, intervalMs: 1000 });
  }
  const tallies = await Promise.all(loads.map((l) => l.stop()));
  tallies.forEach((tally, i) => {
    t.log(`${services[i]}: ${tally.ok} requests during the stand-down, ${tally.failed} failed`);
    t.true(tally.ok > 20, `${services[i]} was under load`);
    t.is(tally.failed, 0, `${services[i]}: ${tally.failures.slice(0, 5).join('; ')}`);
  });
});

test.serial('GIVEN registrations under load WHEN a registration pod is killed THEN it is replaced and every acknowledged registration is stored', async (t) => {
  await apps.patchNamespacedDeploymentScale(
    { name: 'registration', namespace, body: { spec: { replicas: 2 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await eventually('2 registration pods Ready', () => allReady('registration').then((n) => (n === 2 ? n : undefined)), { timeoutMs: surgeTimeoutMs, intervalMs: 1000 });
  let n = 0;
  const body = () => {
    n++;
    const id = `${process.pid % 1000}${String(n).padStart(5, '0')}`.padStart(8, '0');
    return JSON.stringify({
      incidentId: namespace, name: `Helper ${id}`, contact: { phone: `+49152${id}`, email: `real-node.${id}@example.org` },
      location: { postalCode: '53474', coordinates: { latitude: 50.5425, longitude: 7.1136 } }, maxTravelKm: 25,
      skills: ['first-aid'], resources: ['car'], availability: [{ from: '2026-11-27T06:00:00Z', to: '2026-11-27T20:00:00Z' }],
      maxHoursPerDay: 8, adultConfirmed: true, consent: { version: '2026-01', purposes: ['coordination'] },
    });
  };
  const load = loadLoop(await serviceUrl('registration', '/v1/helpers'), { method: 'POST', body, expect: 201, concurrency: 2 });
  await new Promise((resolveWait) => setTimeout(resolveWait, 3000));
  const [victim] = await readyPods('registration');
  await core.deleteNamespacedPod({ name: victim?.metadata?.name ?? '', namespace, gracePeriodSeconds: 0 });
  await eventually('a replacement registration pod Ready', async () => {
    const pods = await readyPods('registration');
    return pods.length === 2 && pods.every((p) => p.metadata?.name !== victim?.metadata?.name) ? true : undefined;
  }, { timeoutMs: surgeTimeoutMs, intervalMs: 1000 });
  await new Promise((resolveWait) => setTimeout(resolveWait, 3000));
  const tally = await load.stop();
  t.log(`${tally.ok} registrations acknowledged, ${tally.failed} failed while a pod was killed`);
  t.true(tally.ok > 10, 'registrations were acknowledged during the test');

  const ids = tally.bodies.map((b) => (JSON.parse(b) as { id: string }).id);
  const url = new URL(databaseUrl());
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const stored = await client.query<{ n: string }>('SELECT count(*) AS n FROM registration.helpers WHERE id = ANY($1::uuid[])', [ids]);
    t.is(Number(stored.rows[0]?.n), ids.length, 'every acknowledged registration is in PostgreSQL');
  } finally {
    await client.end();
  }
});
