/**
 * `npm run bench:image-startup`: how long each service image takes from start to its first
 * /readyz 200 (the readiness part of a surge), split into node's boot, loading the bundle and its
 * dependencies, the first datastore connections with the migrations check until listening, and the
 * first probe answered. Baseline
 * in the same run: the same bundle as a plain process on the host (its node_modules, its node).
 * The image runs through `hack/images.sh run` (tini as PID 1, read-only root, as in a pod) against
 * the test environment's PostgreSQL and Redis; the schema is migrated once before the trials, as a
 * surge's new pods find it. BENCH_TRIALS (default 5) per service and mode.
 *   bash hack/with-env.sh node --import tsx hack/bench/image-startup.bench.ts
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { bundle } from '../src/build.js';
import { databaseUrl, freePort, redisUrl, uniqueName } from '../src/test-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const images = fileURLToPath(new URL('../images.sh', import.meta.url));
const probe = fileURLToPath(new URL('./startup-probe.mjs', import.meta.url));
const trials = Number(process.env.BENCH_TRIALS ?? 5);
const services = ['registration', 'tasks', 'matching'] as const;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
// As manifests/base/services sets it (matching: a larger heap).
const nodeOptions = { registration: '--max-old-space-size=160 --max-semi-space-size=32', tasks: '--max-old-space-size=160 --max-semi-space-size=32', matching: '--max-old-space-size=352 --max-semi-space-size=32' };

interface Phases { setup: number; boot: number; load: number; datastores: number; ready: number; total: number }

function descendants(pid: number): number[] {
  try {
    const children = readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return children.flatMap((c) => [c, ...descendants(c)]);
  } catch {
    return [];
  }
}

async function once(service: (typeof services)[number], mode: 'image' | 'host', schema: string): Promise<Phases> {
  const port = await freePort();
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl(), REDIS_URL: redisUrl(), DB_SCHEMA: schema, REDIS_PREFIX: `${schema}:`, PORT: String(port),
    JWT_SECRET: 'bench-only-secret-at-least-32-characters-long', CHECKIN_SECRET: 'bench-only-check-in-secret-32-characters-long',
    SHUTDOWN_DRAIN_MS: '0', LOG_LEVEL: 'info',
  };
  const spawned = Date.now();
  const child = mode === 'image'
    ? spawn('bash', [images, 'run', service, '--mount', `${probe}:/etc/kathelfer/startup-probe.mjs`,
      ...Object.entries({ ...env, NODE_OPTIONS: `--import=/etc/kathelfer/startup-probe.mjs ${nodeOptions[service]}` }).flatMap(([k, v]) => ['--env', `${k}=${v}`])], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('node', ['--enable-source-maps', `services/${service}/dist/server.js`], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env, NODE_OPTIONS: `--import=${probe} ${nodeOptions[service]}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let readyAt = 0;
  const deadline = Date.now() + 120_000;
  while (readyAt === 0) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${service} (${mode}) did not become ready:\n${output.slice(-2000)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) readyAt = Date.now();
    } catch { /* not listening yet */ }
    if (readyAt === 0) await new Promise((r) => setTimeout(r, 20));
  }
  const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { startupProbe?: string; ms?: number; origin?: number; msg?: string; time?: number });
  const probeAt = (phase: string) => lines.find((l) => l.startupProbe === phase);
  const logAt = (msg: string) => lines.find((l) => l.msg === msg)?.time ?? Number.NaN;
  const origin = probeAt('preload')?.origin ?? Number.NaN;
  const preload = probeAt('preload')?.ms ?? Number.NaN;
  const connect = probeAt('first-connect')?.ms ?? Number.NaN;
  // ("migrations applied" is logged only when there were any: the trials find none to apply)
  const listening = logAt('listening') - origin;
  // stop as the kubelet does: SIGTERM to PID 1 (tini in the image, node on the host)
  const target = mode === 'image' ? descendants(child.pid ?? -1).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/usr/bin/tini')) : child.pid;
  if (target !== undefined) process.kill(target, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  child.kill('SIGKILL');
  return { setup: origin - spawned, boot: preload, load: connect - preload, datastores: listening - connect, ready: readyAt - origin - listening, total: readyAt - spawned };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

log('bundling the services for the host baseline');
for (const s of services) await bundle(`services/${s}`);
const rows: Array<{ service: string; mode: string; phases: Phases }> = [];
for (const service of services) {
  const schema = uniqueName(`bench-start-${service}`).replace(/-/g, '_');
  try {
    await once(service, 'host', schema); // migrates the schema: the trials find it as surge pods do
    for (const mode of ['host', 'image'] as const) {
      await once(service, mode, schema); // warm-up: page cache, buildah's storage
      const runs: Phases[] = [];
      for (let i = 0; i < trials; i++) runs.push(await once(service, mode, schema));
      const phases = Object.fromEntries((Object.keys(runs[0] ?? {}) as Array<keyof Phases>).map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Phases;
      rows.push({ service, mode, phases });
      log(`${service} ${mode}: ${JSON.stringify(phases)}`);
    }
  } finally {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

const columns = ['setup', 'boot', 'load', 'datastores', 'ready', 'total'] as const;
process.stdout.write(`\nService start-up to the first /readyz 200, median of ${trials} trials (ms). setup: spawn → node's process (the image: buildah mount + namespaces); boot: node itself; load: the bundle and its node_modules, configuration, building the app (until its first socket); datastores: first connections, migrations check, until listening; ready: first probe answered.\n\n`);
process.stdout.write(`| service | mode | ${columns.join(' | ')} |\n|${'---|'.repeat(columns.length + 2)}\n`);
for (const { service, mode, phases } of rows) {
  process.stdout.write(`| ${service} | ${mode === 'host' ? 'host process (baseline)' : 'image'} | ${columns.map((c) => Math.round(phases[c])).join(' | ')} |\n`);
}
