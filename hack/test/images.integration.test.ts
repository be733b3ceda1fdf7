// The container images (hack/images.sh, `npm run images`): built by buildah from the root Dockerfile
// on a Node.js base from Debian's packages, cached by their inputs, and each image's own entrypoint
// (tini → node on the bundle) run the way a pod runs it — PID 1 of its own PID namespace, read-only
// root, /tmp writable, the image's user — against the test environment's real PostgreSQL, Redis
// and control plane: it becomes ready, and SIGTERM to tini drains it and ends it cleanly.
// Unlike a pod it shares the host's network namespace: that is how it reaches the datastores,
// which listen on loopback (a pod on the real node reaches them through Services instead).
import test from 'ava';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { databaseUrl, eventually, freePort, kubeconfigPath, redisUrl, uniqueName } from '../src/test-env.js';

const run = promisify(execFile);
const images = fileURLToPath(new URL('../images.sh', import.meta.url));
const crds = fileURLToPath(new URL('../../crds/', import.meta.url));
const components = ['operator', 'registration', 'tasks', 'matching'] as const;
// The Deployments' terminationGracePeriodSeconds (manifests/base): after it the kubelet kills.
const gracePeriodMs = { operator: 10_000, service: 30_000 };

test.serial('npm run images builds the four images once; an unchanged tree builds nothing', async (t) => {
  await run('bash', [images, 'build'], { maxBuffer: 1 << 24 }); // a no-op when hack/test.sh built them
  const again = await run('bash', [images, 'build'], { maxBuffer: 1 << 24 });
  t.deepEqual(again.stdout.trim().split('\n'), components.map((c) => `localhost/kathelfer/${c}:local`));
  t.notRegex(again.stderr, /building/, 'the second build found every image current');
  const keys = new Set<string>();
  for (const c of components) {
    const { stdout } = await run('buildah', ['inspect', '--type', 'image', '--format', '{{index .OCIv1.Config.Labels "io.kathelfer.inputs"}} {{.OCIv1.Config.User}}', `localhost/kathelfer/${c}:local`]);
    const [key, user] = stdout.trim().split(' ');
    t.regex(key ?? '', /^[0-9a-f]{12}$/, `${c} carries the key of the inputs it was built from`);
    t.is(user, '10001:10001', `${c} runs unprivileged`);
    keys.add(key ?? '');
  }
  t.is(keys.size, 1, 'the four images come from the same tree');
});

test.serial('the base image is Debian trixie with a Node.js that meets the engines field (>= 20.19) and no npm', async (t) => {
  const { stdout: mount } = await run('buildah', ['from', '--pull-never', '--quiet', 'localhost/kathelfer/registration:local']);
  const container = mount.trim();
  try {
    const { stdout: root } = await run('buildah', ['mount', container]);
    const dir = root.trim();
    t.regex(readFileSync(join(dir, 'etc/os-release'), 'utf8'), /VERSION_CODENAME=trixie/);
    const nodeVersion = /Version: (\d+)\.(\d+)/.exec(readFileSync(join(dir, 'var/lib/dpkg/status'), 'utf8').split('\n\n').find((p) => p.startsWith('Package: nodejs\n')) ?? '');
    t.truthy(nodeVersion, 'nodejs is installed from Debian');
    const [major, minor] = [Number(nodeVersion?.[1]), Number(nodeVersion?.[2])];
    t.true(major > 20 || (major === 20 && minor >= 19), `node ${major}.${minor}`);
    t.throws(() => readdirSync(join(dir, 'usr/lib/node_modules/npm')), undefined, 'npm is in the build stage only');
    t.is(readdirSync(join(dir, 'app/node_modules')).filter((p) => p === '@kubernetes').length, 0, 'registration does not carry the operator\'s Kubernetes client');
  } finally {
    await run('buildah', ['rm', container]);
  }
});

/** The host pids of `pid`'s descendants, depth first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      children = children.concat(readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};

interface Running { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function start(component: string, env: Record<string, string>, mounts: string[] = []): Running {
  const args = [images, 'run', component, ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), ...mounts.flatMap((m) => ['--mount', m])];
  const child = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Finds the container's PID 1 (tini), checks it is PID 1 of its namespace and the root is read-only. */
function containerInit(runner: Running): { tini: number; node: number; nsPid: string; rootOptions: string; uid: string } | undefined {
  const pids = descendants(runner.child.pid ?? -1);
  const tini = pids.find((p) => cmdline(p).startsWith('/usr/bin/tini '));
  const node = pids.find((p) => cmdline(p).startsWith('node '));
  if (tini === undefined || node === undefined) return undefined;
  const status = readFileSync(`/proc/${tini}/status`, 'utf8');
  const nsPid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).at(-1) ?? '';
  const rootLine = readFileSync(`/proc/${node}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/') ?? '';
  const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${node}/status`, 'utf8'))?.[1] ?? '';
  return { tini, node, nsPid, rootOptions: rootLine.split(' ')[5] ?? '', uid };
}

/** Ends a run whatever its state: SIGKILL to tini ends its PID namespace, then the runner cleans up. */
async function stopHard(runner: Running): Promise<void> {
  if (runner.child.exitCode !== null || runner.child.signalCode !== null) return;
  for (const pid of descendants(runner.child.pid ?? -1)) {
    if (cmdline(pid).startsWith('/usr/bin/tini ')) process.kill(pid, 'SIGKILL');
  }
  await Promise.race([runner.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  runner.child.kill('SIGKILL');
}

async function stopThroughTini(t: { is: (a: unknown, b: unknown, m?: string) => void }, runner: Running, tini: number, graceMs: number): Promise<void> {
  process.kill(tini, 'SIGTERM');
  const code = await Promise.race([runner.exited, new Promise<'late'>((resolve) => setTimeout(resolve, graceMs, 'late'))]);
  if (code === 'late') runner.child.kill('SIGKILL');
  t.is(code, 0, `exits by itself within the grace period (${graceMs} ms) with status 0`);
}

for (const service of ['registration', 'tasks', 'matching'] as const) {
  test.serial(`the ${service} image starts, answers /readyz against real PostgreSQL and Redis, and drains and exits cleanly on SIGTERM through tini`, async (t) => {
    const schema = uniqueName(`img-${service}`).replace(/-/g, '_');
    const port = await freePort();
    const runner = start(service, {
      DATABASE_URL: databaseUrl(),
      REDIS_URL: redisUrl(),
      DB_SCHEMA: schema,
      REDIS_PREFIX: `${schema}:`,
      PORT: String(port),
      JWT_SECRET: 'images-test-only-secret-at-least-32-characters',
      CHECKIN_SECRET: 'images-test-only-check-in-secret-32-characters',
      SHUTDOWN_DRAIN_MS: '1000',
      // as the manifests set it (manifests/base/services)
      NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=32',
    });
    try {
      const ready = await eventually(`${service} /readyz`, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        return response.status === 200 ? ((await response.json()) as { checks: Record<string, string> }) : undefined;
      }, { timeoutMs: 90_000 }).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${runner.output().slice(-3000)}`)));
      t.deepEqual(ready.checks, { database: 'ok', redis: 'ok' });
      const init = containerInit(runner);
      t.truthy(init, 'tini and node run');
      if (init === undefined) return;
      t.is(init.nsPid, '1', 'tini is PID 1 of the container\'s PID namespace');
      t.regex(init.rootOptions, /(^|,)ro(,|$)/, 'the root filesystem is read-only');
      t.is(init.uid, '10001', 'node runs as the image\'s unprivileged user');
      await stopThroughTini(t, runner, init.tini, gracePeriodMs.service);
      t.regex(runner.output(), /"reason":"SIGTERM".*readiness is false, draining/);
      t.regex(runner.output(), /"msg":"shut down cleanly"/);
    } finally {
      await stopHard(runner);
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
}

test.serial('the operator image starts against the real API server, takes its Lease, and hands it back on SIGTERM through tini', async (t) => {
  const namespace = uniqueName('img-operator');
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { maxBuffer: 1 << 24 });
  // The operator is ready once it lists its kinds: the CRDs must be there.
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', `${crds}kathelfer.io_disasterevents.yaml`, '-f', `${crds}kathelfer.io_surgeplans.yaml`);
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/disasterevents.kathelfer.io', 'crd/surgeplans.kathelfer.io');
  await kubectl('create', 'namespace', namespace);
  // The plane's kubeconfig names its certificate files; the container gets one with them inlined.
  const dir = mkdtempSync(join(tmpdir(), 'kathelfer-images-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, (await kubectl('config', 'view', '--raw', '--flatten')).stdout, { mode: 0o644 });
  const port = await freePort();
  const identity = `${namespace}-pod`;
  const runner = start('operator', {
    KUBECONFIG: '/etc/kathelfer/kubeconfig',
    POD_NAME: identity,
    POD_NAMESPACE: namespace,
    WATCH_NAMESPACES: namespace, // no other test's DisasterEvents
    METRICS_PORT: String(port),
    METRICS_HOST: '127.0.0.1',
    // as manifests/base/operator/deployment.yaml sets them
    NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=1',
    NODE_FLAGS: '--lite-mode',
  }, [`${kubeconfig}:/etc/kathelfer/kubeconfig`]);
  try {
    await eventually('operator /readyz', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 90_000 })
      .catch((error: Error) => Promise.reject(new Error(`${error.message}\n${runner.output().slice(-3000)}`)));
    const holder = async () => (await kubectl('-n', namespace, 'get', 'lease', 'kathelfer-operator', '-o', 'jsonpath={.spec.holderIdentity}')).stdout;
    t.is(await eventually('the Lease', async () => ((await holder()) === identity ? identity : undefined), { timeoutMs: 30_000 }), identity);
    const init = containerInit(runner);
    t.truthy(init, 'tini and node run');
    if (init === undefined) return;
    t.is(init.nsPid, '1', 'tini is PID 1 of the container\'s PID namespace');
    await stopThroughTini(t, runner, init.tini, gracePeriodMs.operator);
    t.is(await holder(), '', 'the Lease is released, so another replica takes over at once');
  } finally {
    await stopHard(runner);
    rmSync(dir, { recursive: true, force: true });
    await kubectl('delete', 'namespace', namespace, '--wait=false');
  }
});
