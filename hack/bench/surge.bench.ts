/**
 * bench:surge — a severity-3 DisasterEvent on the real node (hack/node.sh): from the declaration
 * until every surge pod of registration, tasks and matching is Ready and answers HTTP on its pod
 * IP, p50/p99 over TRIALS (default 10), next to a baseline in the same run: the same Deployments
 * scaled to the same counts directly through the scale subresource (what `kubectl scale` does).
 * The split (medians, ms): operator patch (declaration → the Deployment's replicas raised),
 * scheduling (pod created → bound to the node), sandbox + container start (bound → container
 * running), readiness (running → Ready). Pod phases are seen by polling every 200 ms.
 * Run through `npm run bench:surge` (hack/with-env.sh --real-node). Target: ≤ 1.2× the baseline.
 */
import * as k8s from '@kubernetes/client-node';
import { kubeconfigPath } from '../src/test-env.js';
import { installPlatform } from '../src/real-platform.js';

const trials = Number(process.env.TRIALS ?? 10);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath());
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const namespace = `surge-bench-${process.pid}`;
const services = ['registration', 'tasks', 'matching'];
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface Run { totalMs: number; patchMs: number; scheduleMs: number[]; startMs: number[]; readyMs: number[] }

async function answers(ip: string): Promise<boolean> {
  try {
    return (await fetch(`http://${ip}:8080/openapi.json`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Polls until every service has `want[name]` Ready pods that answer HTTP; records each pod's phases. */
async function observe(t0: number, want: Record<string, number>, before: Set<string>): Promise<Run> {
  const seen = new Map<string, { created: number; bound?: number; running?: number; ready?: number; serving?: boolean }>();
  let patchedAt: number | undefined;
  for (;;) {
    const now = Date.now();
    if (patchedAt === undefined) {
      const replicas = await Promise.all(services.map(async (s) => (await apps.readNamespacedDeployment({ name: s, namespace })).spec?.replicas));
      if (replicas.every((r, i) => r === want[services[i] ?? ''])) patchedAt = now;
    }
    const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
    let done = true;
    for (const name of services) {
      const mine = pods.filter((p) => p.metadata?.labels?.['app.kubernetes.io/name'] === name);
      const ready = mine.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length !== want[name] || mine.length !== want[name]) done = false;
    }
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (before.has(uid) || pod.metadata?.labels?.['app.kubernetes.io/name'] === 'kathelfer-operator') continue;
      const p = seen.get(uid) ?? { created: now };
      if (p.bound === undefined && pod.spec?.nodeName) p.bound = now;
      if (p.running === undefined && pod.status?.containerStatuses?.[0]?.state?.running) p.running = now;
      if (p.ready === undefined && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) p.ready = now;
      if (p.ready !== undefined && !p.serving && pod.status?.podIP) p.serving = await answers(pod.status.podIP);
      if (!p.serving) done = false;
      seen.set(uid, p);
    }
    if (done && patchedAt !== undefined) {
      const all = [...seen.values()];
      return {
        totalMs: Date.now() - t0,
        patchMs: patchedAt - t0,
        scheduleMs: all.map((p) => (p.bound ?? p.created) - p.created),
        startMs: all.map((p) => (p.running ?? p.created) - (p.bound ?? p.created)),
        readyMs: all.map((p) => (p.ready ?? p.created) - (p.running ?? p.created)),
      };
    }
    if (Date.now() - t0 > 15 * 60_000) throw new Error('the surge did not complete in 15 minutes');
    await sleep(200);
  }
}

async function podUids(): Promise<Set<string>> {
  return new Set((await core.listNamespacedPod({ namespace })).items.map((p) => p.metadata?.uid ?? ''));
}

async function settle(want: number): Promise<void> {
  for (;;) {
    const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => p.metadata?.labels?.['app.kubernetes.io/name'] !== 'kathelfer-operator');
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (pods.length === want && ready.length === want) return;
    await sleep(500);
  }
}

async function scaleAll(counts: Record<string, number>): Promise<void> {
  await Promise.all(services.map((name) => apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas: counts[name] } } }, merge)));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
const median = (values: number[]) => quantile(values, 0.5);

async function main(): Promise<void> {
  process.stderr.write(`installing the platform into ${namespace}\n`);
  await installPlatform(namespace, { stabilizationWindowSeconds: 0, stepReplicas: 20, stepIntervalSeconds: 1 });
  // the bench's own environment (hack/with-env.sh): the platform uses its default database
  await settle(services.length);
  const surges: Run[] = [];
  const baselines: Run[] = [];
  let counts: Record<string, number> = {};
  try {
    for (let i = 0; i < trials; i++) {
      const name = `bench-${i}`;
      let before = await podUids();
      let t0 = Date.now();
      await custom.createNamespacedCustomObject({
        group: 'kathelfer.io', version: 'v1alpha1', namespace, plural: 'disasterevents',
        body: { apiVersion: 'kathelfer.io/v1alpha1', kind: 'DisasterEvent', metadata: { name },
          spec: { title: 'Bench', type: 'flood', severity: 3, state: 'Active', region: { name: 'Bench', lat: 50.5, lon: 7.1, radiusKm: 25 } } },
      });
      if (i === 0) {
        // the counts the operator raises to: the baseline scales to the same
        for (;;) {
          const d = await Promise.all(services.map(async (s) => (await apps.readNamespacedDeployment({ name: s, namespace })).spec?.replicas ?? 1));
          if (d.every((r) => r > 1)) { counts = Object.fromEntries(services.map((s, j) => [s, d[j] ?? 1])); break; }
          await sleep(100);
        }
      }
      surges.push(await observe(t0, counts, before));
      await custom.deleteNamespacedCustomObject({ group: 'kathelfer.io', version: 'v1alpha1', namespace, plural: 'disasterevents', name });
      await settle(services.length);

      before = await podUids();
      t0 = Date.now();
      await scaleAll(counts);
      baselines.push(await observe(t0, counts, before));
      await scaleAll(Object.fromEntries(services.map((s) => [s, 1])));
      await settle(services.length);
      process.stderr.write(`trial ${i + 1}/${trials}: surge ${surges.at(-1)?.totalMs} ms, baseline ${baselines.at(-1)?.totalMs} ms\n`);
    }
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  const row = (what: string, runs: Run[]) => {
    const total = runs.map((r) => r.totalMs);
    const flat = (f: (r: Run) => number[]) => runs.flatMap(f);
    return `| ${what} | ${median(total)} | ${quantile(total, 0.99)} | ${median(runs.map((r) => r.patchMs))} | ${median(flat((r) => r.scheduleMs))} | ${median(flat((r) => r.startMs))} | ${median(flat((r) => r.readyMs))} |`;
  };
  const ratio = median(surges.map((r) => r.totalMs)) / median(baselines.map((r) => r.totalMs));
  process.stdout.write(`\nSeverity-3 surge on the real node: ${JSON.stringify(counts)} pods, ${trials} trials (ms; split = medians over pods)\n\n`);
  process.stdout.write(['| run | p50 | p99 | operator patch / scale call | scheduling | sandbox + container start | readiness |', '|---|---|---|---|---|---|---|',
    row('DisasterEvent → operator', surges), row('baseline: scale subresource', baselines), '',
    `p50 ratio surge / baseline: ${ratio.toFixed(2)} (target ≤ 1.2)`, ''].join('\n'));
}

await main();
