/**
 * `npm run bench:operator` — how fast the operator surges, next to a minimal baseline in the same
 * run, on the local control plane (hack/with-env.sh starts one).
 *
 * 1. Latency, TRIALS trials each, interleaved: from the DisasterEvent create call returning until
 *    all three targets are patched (operator) or the one target is patched (baseline), as a watch
 *    on Deployments in this process sees it.
 * 2. Scale: NAMESPACES namespaces × 3 SurgePlans, EVENTS DisasterEvents created at once: time until
 *    every floor is applied, and the operator's memory. The operator runs as deployed: the esbuild
 *    bundle with the NODE_OPTIONS of manifests/base/operator/deployment.yaml. Baseline: a bare
 *    client in this process patching the scale of the same Deployments at once, on a keep-alive
 *    pool, before and after the operator's run.
 *
 * Environment: TRIALS (50), NAMESPACES (200), EVENTS (50), OPERATOR_NODE_OPTIONS, OPERATOR_NODE_FLAGS (to compare V8
 * flags; default: the manifest's).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { bundle } from '@kathelfer/hack/build';
import { freePort } from '@kathelfer/hack/test-env';
import { usePooledConnections } from '../src/kube/kube-http.js';
import { spawnOperator } from '../test/operator-process.js';
import { create, createDeployment, disasterEvent, installCrds, kc, surgePlan } from '../test/support.js';

const trials = Number(process.env.TRIALS ?? 50);
const namespaceCount = Number(process.env.NAMESPACES ?? 200);
const eventCount = Math.min(Number(process.env.EVENTS ?? 50), namespaceCount);
const core = kc.makeApiClient(k8s.CoreV1Api);
const kubeconfig = process.env.KUBECONFIG ?? '';
const services = ['registration', 'tasks', 'matching'];
const fastStandDown = { scaleDown: { stabilizationWindowSeconds: 0, stepReplicas: 100, stepIntervalSeconds: 0 } };
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const pooled = new k8s.KubeConfig();
pooled.loadFromString(kc.exportConfig());
const pooledApps = usePooledConnections(pooled).makeApiClient(k8s.AppsV1Api);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `until(predicate)` resolves as soon as the latest watched state of some Deployment satisfies it —
 * at once if it already does (the change may have been seen before the caller asked).
 */
function deploymentWatch(path: string) {
  const waiters: Array<{ test: (d: k8s.V1Deployment) => boolean; resolve: () => void; label?: string }> = [];
  const latest = new Map<string, k8s.V1Deployment>();
  let stopped = false;
  let events = 0;
  let controller: AbortController | undefined;
  // A wait that no event moves for 10 s is reported, with what the watch last saw of it.
  let lastEvents = -1;
  const report = setInterval(() => {
    if (waiters.length > 0 && events === lastEvents) {
      process.stderr.write(`watch ${path}: no event for 10 s, still waiting for ${waiters.length}\n`);
      for (const w of waiters.slice(0, 3)) {
        const l = latest.get(w.label ?? '');
        process.stderr.write(`  ${w.label ?? 'a Deployment'}: last seen at ${l?.spec?.replicas ?? '?'} replicas\n`);
      }
    }
    lastEvents = events;
  }, 10_000);
  report.unref();
  // client-node's Watch ends silently on any error; a watch that ended is opened again (its
  // initial ADDED events bring every Deployment's current state, so nothing is missed).
  const open = async (): Promise<void> => {
    controller = await new k8s.Watch(kc).watch(path, {}, (_type: string, d: k8s.V1Deployment) => {
      events += 1;
      latest.set(`${d.metadata?.namespace}/${d.metadata?.name}`, d);
      for (const w of [...waiters]) if (w.test(d)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    }, () => { if (!stopped) setTimeout(() => void open(), 100); });
  };
  const opened = open();
  return {
    until: (test: (d: k8s.V1Deployment) => boolean, label?: string) =>
      new Promise<void>((resolve) => {
        if ([...latest.values()].some(test)) resolve();
        else waiters.push({ test, resolve, label });
      }),
    stop: async () => {
      stopped = true;
      clearInterval(report);
      await opened;
      controller?.abort();
    },
  };
}

/** Waits until the operator's reconcile count stands still for 3 s (at most 120 s); returns the wait (s). */
async function settled(port: number): Promise<number> {
  const start = performance.now();
  let last = -1;
  let stableSince = performance.now();
  while (performance.now() - start < 120_000) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
    const count = [...text.matchAll(/^kathelfer_operator_reconcile_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    if (text !== '' && count === last) {
      if (performance.now() - stableSince >= 3000) break;
    } else {
      last = count;
      stableSince = performance.now();
    }
    await sleep(250);
  }
  return (performance.now() - start) / 1000;
}

async function namespace(name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function rssMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(/^(\w+):\s+(\d+)/m.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[2] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

async function latency(): Promise<{ operator: number[]; baseline: number[] }> {
  const opNs = `bench-op-${process.pid}`;
  const baseNs = `bench-base-${process.pid}`;
  await namespace(opNs);
  await namespace(baseNs);
  for (const s of services) {
    await createDeployment(opNs, s, 1);
    await create(opNs, surgePlan(s, fastStandDown));
  }
  await createDeployment(baseNs, 'tasks', 1);
  const op = spawnOperator({ kubeconfig, identity: 'bench-latency', args: ['--leader-elect=false', `--namespaces=${opNs}`, '--log-level=warn'] });
  const baseline = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./baseline-operator.ts', import.meta.url)), baseNs, 'tasks', '4'], {
    env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => baseline.stdout.once('data', resolve));
  const opWatch = deploymentWatch(`/apis/apps/v1/namespaces/${opNs}/deployments`);
  const baseWatch = deploymentWatch(`/apis/apps/v1/namespaces/${baseNs}/deployments`);
  await sleep(3000); // operator caches synced
  const result = { operator: [] as number[], baseline: [] as number[] };
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  try {
    for (let i = 0; i < trials; i++) {
      // operator: all three targets at the severity-3 floor (4)
      const patched = Promise.all(services.map((s) => opWatch.until((d) => d.metadata?.name === s && d.spec?.replicas === 4)));
      await create(opNs, disasterEvent(`trial-${i}`, { severity: 3 }));
      const createdAt = performance.now(); // from the create call returning
      await patched;
      result.operator.push(performance.now() - createdAt);
      await kc.makeApiClient(k8s.CustomObjectsApi).deleteNamespacedCustomObject({ group: 'kathelfer.io', version: 'v1alpha1', namespace: opNs, plural: 'disasterevents', name: `trial-${i}` });
      await Promise.all(services.map((s) => opWatch.until((d) => d.metadata?.name === s && d.spec?.replicas === 1)));

      // baseline: the one target at 4
      const basePatched = baseWatch.until((d) => d.metadata?.name === 'tasks' && d.spec?.replicas === 4);
      await create(baseNs, disasterEvent(`trial-${i}`, { severity: 3 }));
      const baseCreatedAt = performance.now();
      await basePatched;
      result.baseline.push(performance.now() - baseCreatedAt);
      await apps.patchNamespacedDeploymentScale({ name: 'tasks', namespace: baseNs, body: { spec: { replicas: 1 } } }, mergePatch);
      await baseWatch.until((d) => d.metadata?.name === 'tasks' && d.spec?.replicas === 1);
    }
  } finally {
    await opWatch.stop();
    await baseWatch.stop();
    await op.kill('SIGTERM');
    baseline.kill('SIGKILL');
    await core.deleteNamespace({ name: opNs }).catch(() => undefined);
    await core.deleteNamespace({ name: baseNs }).catch(() => undefined);
  }
  return result;
}

/**
 * The baseline: patches the scale of every target to `replicas` at once from this process, on one
 * keep-alive pool (the operator's own), and resolves when the watch has seen all of them (s).
 */
async function baselinePatch(targets: string[], replicas: number, watch: ReturnType<typeof deploymentWatch>): Promise<number> {
  const seen = targets.map((t) => {
    const [ns, name] = t.split('/');
    return watch.until((d) => d.metadata?.namespace === ns && d.metadata?.name === name && d.spec?.replicas === replicas, t);
  });
  const start = performance.now();
  await Promise.all(targets.map(async (t) => {
    const [namespace, name] = t.split('/') as [string, string];
    await pooledApps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, mergePatch);
  }));
  await Promise.all(seen);
  return (performance.now() - start) / 1000;
}

async function scale(): Promise<{ seconds: number; baseline: number[]; targets: number; rssBefore: number; rssAfter: number; peak: number; nodeOptions: string; nodeFlags: string; idleAfter: number }> {
  const names = Array.from({ length: namespaceCount }, (_, i) => `bench-scale-${process.pid}-${i}`);
  await inParallel(names, 16, async (ns) => {
    await namespace(ns);
    for (const s of services) {
      await createDeployment(ns, s, 1);
      await create(ns, surgePlan(s));
    }
  });
  const surging = names.slice(0, eventCount);
  const targets = surging.flatMap((ns) => services.map((s) => `${ns}/${s}`));
  const watch = deploymentWatch('/apis/apps/v1/deployments');
  // The baseline's process start (node + tsx) is part of its time; so is the operator's reaction.
  const baseline = [await baselinePatch(targets, 4, watch)];
  await baselinePatch(targets, 1, watch);

  const manifest = await readFile(fileURLToPath(new URL('../../manifests/base/operator/deployment.yaml', import.meta.url)), 'utf8');
  // As the image passes them: NODE_OPTIONS in the environment (node refuses flags outside its
  // allow-list there), NODE_FLAGS on the command line.
  const nodeOptions = process.env.OPERATOR_NODE_OPTIONS ?? /name: NODE_OPTIONS, value: "([^"]*)"/.exec(manifest)?.[1] ?? '';
  const nodeFlags = process.env.OPERATOR_NODE_FLAGS ?? /name: NODE_FLAGS, value: "([^"]*)"/.exec(manifest)?.[1] ?? '';
  const file = await bundle('operator');
  const port = await freePort();
  const op = spawn(process.execPath, [...nodeFlags.split(' ').filter(Boolean), file, '--leader-elect=false', '--log-level=warn', `--metrics-port=${port}`, '--metrics-host=127.0.0.1'], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions, KUBECONFIG: kubeconfig, POD_NAME: 'bench-scale' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = op.pid ?? 0;
  // The initial list and first reconcile of every namespace (each writes its plans' statuses) are
  // over when the reconcile count stands still for 3 s.
  const idleAfter = await settled(port);
  process.stderr.write(`scale: the operator was idle ${idleAfter.toFixed(1)} s after its start\n`);
  const before = await rssMiB(pid);
  const applied: number[] = [];
  const start = performance.now();
  const waits = surging.flatMap((ns) => services.map(async (s) => {
    await watch.until((d) => d.metadata?.namespace === ns && d.metadata.name === s && d.spec?.replicas === 4, `${ns}/${s}`);
    applied.push((performance.now() - start) / 1000);
  }));
  // as an authority's tooling would: every declaration sent at once
  await Promise.all(surging.map(async (ns) => create(ns, disasterEvent('flood', { severity: 3 }))));
  const created = (performance.now() - start) / 1000;
  await Promise.all(waits);
  const seconds = (performance.now() - start) / 1000;
  process.stderr.write(`scale: all ${surging.length} events created after ${created.toFixed(2)} s; floors applied p50 ${percentile(applied, 50).toFixed(2)} s, p90 ${percentile(applied, 90).toFixed(2)} s, last ${seconds.toFixed(2)} s\n`);
  await sleep(2000);
  const after = await rssMiB(pid);
  const exited = new Promise((resolve) => op.once('exit', resolve));
  op.kill('SIGTERM');
  await exited;
  // the baseline again, from the operator's end state (the floors at 4) down and up once more
  await baselinePatch(targets, 1, watch);
  baseline.push(await baselinePatch(targets, 4, watch));
  await watch.stop();
  await inParallel(names, 16, async (ns) => void (await core.deleteNamespace({ name: ns }).catch(() => undefined)));
  return { seconds, baseline, targets: targets.length, rssBefore: before.rss, rssAfter: after.rss, peak: after.peak, nodeOptions, nodeFlags, idleAfter };
}

await installCrds();
process.stderr.write(`latency: ${trials} trials each, interleaved …\n`);
const lat = await latency();
process.stderr.write(`scale: ${namespaceCount} namespaces × 3 SurgePlans, ${eventCount} events at once …\n`);
const sc = await scale();

const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const ms = (v: number) => v.toFixed(1);
const p50 = { op: percentile(lat.operator, 50), base: percentile(lat.baseline, 50) };
const p99 = { op: percentile(lat.operator, 99), base: percentile(lat.baseline, 99) };
const lines = [
  '',
  `Operator benchmark — ${new Date().toISOString()} — ${trials} trials, local control plane (kube-apiserver + kwok), this machine`,
  '',
  row(['measure', 'operator', 'baseline (watch → patch 1 Deployment)', 'operator / baseline', 'target']),
  row(['---', '---:', '---:', '---:', '---']),
  row(['create → all targets patched, p50 (ms)', ms(p50.op), ms(p50.base), (p50.op / p50.base).toFixed(2), '']),
  row(['create → all targets patched, p99 (ms)', ms(p99.op), ms(p99.base), (p99.op / p99.base).toFixed(2), '≤ 1.5× and < 250 ms']),
  row(['create → all targets patched, max (ms)', ms(Math.max(...lat.operator)), ms(Math.max(...lat.baseline)), '', '']),
  '',
  row(['scale', 'operator', 'baseline (bare client patches the same Deployments at once)', 'operator / baseline', 'target']),
  row(['---', '---:', '---:', '---:', '---']),
  row([`${eventCount} events at once in ${namespaceCount} namespaces: all ${sc.targets} floors applied (s)`, sc.seconds.toFixed(2), sc.baseline.map((b) => b.toFixed(2)).join(' / '), `${(sc.seconds / Math.min(...sc.baseline)).toFixed(2)} (${(sc.seconds / Math.max(...sc.baseline)).toFixed(2)})`, '≤ 2× the baseline']),
  row([`operator start → first reconcile of all ${namespaceCount} namespaces done (s)`, sc.idleAfter.toFixed(1), '', '', '']),
  row(['operator RSS before the events (MiB)', sc.rssBefore.toFixed(0), '', '', '']),
  row(['operator RSS after (MiB)', sc.rssAfter.toFixed(0), '', '', '≤ 120 MiB']),
  row(['operator peak RSS (MiB)', sc.peak.toFixed(0), '', '', '']),
  '',
  `The operator ran as deployed: the esbuild bundle with NODE_OPTIONS="${sc.nodeOptions}" and the flags NODE_FLAGS="${sc.nodeFlags}". The baseline ran before and after the operator (both shown); the ratio is against the faster one (in brackets: the slower).`,
  '',
];
process.stdout.write(lines.join('\n'));
process.exit(0);
