import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { eventually, kubeconfigPath } from '@kathelfer/hack/test-env';
import { spawnOperator, type OperatorProcess } from './operator-process.js';
import {
  create, createDeployment, createNamespace, deleteNamespace, disasterEvent, installCrds, kc, patchSpec,
  replicasOf, surgePlan, untilCondition,
} from './support.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const services = ['registration', 'tasks', 'matching'];
const processes: OperatorProcess[] = [];
const namespaces: string[] = [];

test.before(async () => installCrds());
test.after.always(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await Promise.all(namespaces.map(deleteNamespace));
});

async function platform(prefix: string): Promise<string> {
  const ns = await createNamespace(prefix);
  namespaces.push(ns);
  for (const name of services) {
    await createDeployment(ns, name, 1);
    await create(ns, surgePlan(name));
  }
  return ns;
}

function operator(namespace: string, identity: string, args: string[] = ['--leader-elect=false']): OperatorProcess {
  const p = spawnOperator({ kubeconfig: kubeconfigPath(), identity, args: [...args, `--namespaces=${namespace}`] });
  processes.push(p);
  return p;
}

test('GIVEN a surge under way WHEN the operator is killed and started again THEN it converges from the current state', async (t) => {
  const ns = await platform('restart');
  const first = operator(ns, 'restart-a');
  await create(ns, disasterEvent('flood', { severity: 4 }));
  await eventually('one target patched', async () => {
    for (const s of services) if ((await replicasOf(ns, s)).desired === 6) return true;
    return undefined;
  });
  await first.kill('SIGKILL');
  await patchSpec(ns, 'disasterevents', 'flood', { spec: { title: 'changed while the operator was down' } });
  operator(ns, 'restart-b');
  await untilCondition(ns, 'flood', 'Ready', 'True');
  for (const s of services) t.deepEqual(await replicasOf(ns, s), { desired: 6, ready: 6 });
});

test('GIVEN two operator replicas WHEN the leader is killed THEN the other takes the Lease and handles the next incident', async (t) => {
  const ns = await platform('failover');
  const args = ['--leader-elect=true', `--lease-namespace=${ns}`, '--lease-name=kathelfer-operator'];
  const replicas = { a: operator(ns, 'replica-a', args), b: operator(ns, 'replica-b', args) };
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const holder = async () => (await coordination.readNamespacedLease({ name: 'kathelfer-operator', namespace: ns })).spec?.holderIdentity;
  const leader = await eventually('a leader', async () => {
    const h = await holder().catch(() => undefined);
    return h === 'replica-a' || h === 'replica-b' ? h : undefined;
  }, { timeoutMs: 30_000 });
  const [dead, survivor] = leader === 'replica-a' ? [replicas.a, replicas.b] : [replicas.b, replicas.a];
  await dead.kill('SIGKILL');
  const killedAt = Date.now();
  await create(ns, disasterEvent('storm', { type: 'storm', severity: 3 }));
  await untilCondition(ns, 'storm', 'Ready', 'True', 60_000);
  const takeover = (Date.now() - killedAt) / 1000;
  t.log(`failover: the incident declared right after the leader was killed was Ready after ${takeover.toFixed(1)} s`);
  t.is(await holder(), leader === 'replica-a' ? 'replica-b' : 'replica-a');
  t.is(survivor.child.exitCode, null, 'the survivor still runs');
});

test('GIVEN an incident WHEN kube-apiserver restarts, during the surge and again for 10 s during the stand-down THEN the operator releases nothing it should not, records no false Warning and finishes the stand-down', async (t) => {
  // A private control plane: restarting the shared API server would disturb the other test files.
  const state = await mkdtemp(join(tmpdir(), 'kathelfer-apiserver-restart-'));
  const env = { ...process.env, KATHELFER_STATE: state };
  const cluster = (...args: string[]) => run('bash', [join(repo, 'hack/cluster.sh'), ...args], { env, maxBuffer: 1 << 24 });
  try {
    const kubeconfig = (await cluster('up')).stdout.trim();
    const bin = (await readFile(join(state, 'cluster/bin'), 'utf8')).trim();
    const kubectl = async (...args: string[]) => (await run(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 1 << 24 })).stdout;
    const apply = async (yaml: string) => {
      const child = execFile(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, 'apply', '-f', '-']);
      child.stdin?.end(yaml);
      await new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl apply exited ${code}`)))));
    };
    const reasons = async () => JSON.parse(await kubectl('get', 'events', '-o', 'json')) as { items: Array<{ reason: string; involvedObject: { name: string } }> };
    await kubectl('apply', '--server-side', '-k', join(repo, 'crds'));
    await kubectl('wait', '--for=condition=Established', 'crd/disasterevents.kathelfer.io', 'crd/surgeplans.kathelfer.io', '--timeout=60s');
    for (const name of services) {
      await kubectl('create', 'deployment', name, '--image=registry.invalid/' + name, '--replicas=1');
      await apply(JSON.stringify(surgePlan(name, { scaleDown: { stabilizationWindowSeconds: 1, stepReplicas: 1, stepIntervalSeconds: 2 } })));
    }
    await kubectl('autoscale', 'deployment', 'matching', '--min=1', '--max=3', '--cpu=70%');
    const op = spawnOperator({ kubeconfig, identity: 'apiserver-restart', args: ['--leader-elect=false', '--watch-timeout-seconds=5'] });
    processes.push(op);
    await apply(JSON.stringify(disasterEvent('flood', { severity: 3 })));
    await kubectl('wait', '--for=condition=Ready', 'disasterevent/flood', '--timeout=60s');
    const hpaBefore = JSON.parse(await kubectl('get', 'hpa', 'matching', '-o', 'json')) as { metadata: { generation: number }; spec: { minReplicas: number } };
    t.is(hpaBefore.spec.minReplicas, 4);

    // 1. During the surge: the caches reconnect to a fresh API server, whose lists may come late.
    await cluster('restart-apiserver', '--down-for', '3');
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const hpaAfter = JSON.parse(await kubectl('get', 'hpa', 'matching', '-o', 'json')) as { metadata: { generation: number }; spec: { minReplicas: number } };
    t.is(hpaAfter.metadata.generation, hpaBefore.metadata.generation, 'the HPA\'s spec was not written at all (no 4 → 1 → 4)');
    for (const name of services.filter((s) => s !== 'matching')) {
      t.is((await kubectl('get', 'deployment', name, '-o', 'jsonpath={.metadata.annotations.kathelfer\\.io/applied-floor}')).trim(), '4', `${name} still marked`);
    }
    t.deepEqual((await reasons()).items.filter((e) => e.reason === 'PlanRemoved'), [], 'no false PlanRemoved');

    // 2. During the stand-down, the API server away for 10 s.
    await kubectl('patch', 'disasterevent', 'flood', '--type=merge', '-p', '{"spec":{"state":"Ended"}}');
    await kubectl('wait', '--for=jsonpath={.spec.replicas}=3', 'deployment/registration', '--timeout=30s');
    await cluster('restart-apiserver', '--down-for', '10');
    for (const name of services.filter((s) => s !== 'matching')) {
      await kubectl('wait', '--for=jsonpath={.spec.replicas}=1', `deployment/${name}`, '--timeout=90s');
    }
    await kubectl('wait', '--for=jsonpath={.spec.minReplicas}=1', 'hpa/matching', '--timeout=90s');
    const phase = await eventually('flood ended', async () => {
      const p = (await kubectl('get', 'disasterevent', 'flood', '-o', 'jsonpath={.status.phase}')).trim();
      return p === 'Ended' ? p : undefined;
    }, { timeoutMs: 30_000 });
    t.is(phase, 'Ended');
    const all = (await reasons()).items;
    t.deepEqual(all.filter((e) => ['PlanRemoved', 'NoSurgePlans', 'DriftCorrected'].includes(e.reason)).map((e) => `${e.reason} ${e.involvedObject.name}`), []);
    t.is(op.child.exitCode, null, 'the operator survived the API server restarts');
    t.regex(op.output(), /watch failed; listing and watching again/);
  } finally {
    await cluster('purge').catch(() => undefined);
    await rm(state, { recursive: true, force: true });
  }
});
