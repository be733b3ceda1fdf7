/**
 * `npm run bench:registration`: one registration service process on this machine, autocannon
 * against POST /v1/helpers with a distinct body per request, at 50 and 200 connections; in the same
 * run pgbench sends the same statement the service sends per registration (helper and outbox row
 * in one atomic statement) as the ceiling, and for reference the BEGIN/INSERT/INSERT/COMMIT form.
 * PostgreSQL and Redis are the bench's own (hack/datastores.sh in a temporary state directory).
 *
 * BENCH_SECONDS (default 10), BENCH_POOL (service DB pool, default 20) and BENCH_LOG_LEVEL
 * (default info: access logs are part of the cost) tune it. The service runs as deployed: the
 * esbuild bundle with the NODE_OPTIONS of manifests/base/services/registration.yaml (its heap caps),
 * and its peak resident memory is reported next to the memory limit there. BENCH_PROFILE=<dir> writes the
 * service's V8 CPU profile there (open it in Chrome DevTools) to see where a registration's time goes.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { freePort, OwnDatastores } from '@kathelfer/common/testing/own-datastores';
import { testJwtSecret } from '@kathelfer/common/testing/http';
import { bundle } from '@kathelfer/hack/build';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const pool = process.env.BENCH_POOL ?? '20';
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

let counter = 0;
function body(): string {
  counter += 1;
  const n = String(counter).padStart(8, '0');
  return JSON.stringify({
    incidentId: 'bench',
    name: `Bench Helper ${n}`,
    contact: { phone: `+49151${n}`, email: `bench.${n}@example.org` },
    location: { postalCode: '01067', coordinates: { latitude: 51.05, longitude: 13.74 } },
    maxTravelKm: 25,
    skills: ['first-aid', 'chainsaw'],
    resources: ['car'],
    availability: [{ from: '2026-11-27T06:00:00Z', to: '2026-11-27T20:00:00Z' }],
    maxHoursPerDay: 8,
    adultConfirmed: true,
    consent: { version: '2026-01', purposes: ['coordination'] },
  });
}

function stat(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  } catch {
    return [];
  }
}

/** CPU time (user + system) a process used so far, in ms: per request it does not depend on other load. */
function cpuMs(pid: number): number {
  const fields = stat(pid);
  return ((Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** CPU time of PostgreSQL: the postmaster, its live backends, and the backends it has reaped. */
function postgresCpuMs(postmaster: number): number {
  const own = stat(postmaster);
  let total = cpuMs(postmaster) + ((Number(own[13] ?? 0) + Number(own[14] ?? 0)) * 1000) / 100;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && Number(stat(Number(entry))[1]) === postmaster) total += cpuMs(Number(entry));
  }
  return total;
}

interface CpuShare {
  service: number;
  postgres: number;
  redis: number;
  load: number;
}

function cpuSnapshot(servicePid: number, datastores: OwnDatastores): CpuShare {
  const self = process.cpuUsage();
  return {
    service: cpuMs(servicePid),
    postgres: postgresCpuMs(datastores.postgresPid),
    redis: cpuMs(datastores.redisPid),
    load: (self.user + self.system) / 1000,
  };
}

interface HttpResult {
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

async function cannon(url: string, connections: number, duration: number): Promise<HttpResult> {
  const result = await autocannon({
    url: `${url}/v1/helpers`,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  return {
    connections,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

const helperValues = `gen_random_uuid(), 'bench', 'active', 'Bench Helper', gen_random_uuid()::text, gen_random_uuid()::text || '@example.org',
  '01067', 51.0504, 13.7373, '010', 51.05, 13.74, 25, '{first-aid,chainsaw}', '{}', '{car}',
  '[{"from":"2026-11-27T06:00:00Z","to":"2026-11-27T20:00:00Z"}]'::jsonb, 8, false, true, '2026-01', '{coordination}', now(),
  md5(random()::text) || md5(random()::text), now(), now(), NULL`;
const helperColumns = `id, incident_id, status, name, phone_e164, email, postal_code, latitude, longitude, postal_area,
  coarse_latitude, coarse_longitude, max_travel_km, skills, languages, resources, availability, max_hours_per_day, paused,
  adult_confirmed, consent_version, consent_purposes, consented_at, token_hash, created_at, updated_at, erased_at`;
const eventPayload = `'{"helperId":"00000000-0000-0000-0000-000000000000","skills":["first-aid","chainsaw"],"area":{"postalArea":"010"}}'::jsonb`;

/** What the service sends per registration: one statement (see insertWithEvent). */
const pgbenchStatement = (schema: string) => `
WITH i0 AS (INSERT INTO "${schema}"."helpers" (${helperColumns}) VALUES (${helperValues}) RETURNING 1)
INSERT INTO "${schema}".outbox (id, stream, type, version, payload) SELECT gen_random_uuid(), 'registration', 'helper.registered', 1, ${eventPayload} FROM i0;
`;

/** The same rows the classic way, for reference: BEGIN, two INSERTs, COMMIT. */
const pgbenchTransaction = (schema: string) => `
BEGIN;
INSERT INTO "${schema}".helpers (${helperColumns}) VALUES (${helperValues});
INSERT INTO "${schema}".outbox (id, stream, type, version, payload) VALUES (gen_random_uuid(), 'registration', 'helper.registered', 1, ${eventPayload});
COMMIT;
`;

/** CPU ms of the child processes this process has waited for (pgbench): cutime + cstime. */
function childrenCpuMs(): number {
  const own = stat(process.pid);
  return ((Number(own[13] ?? 0) + Number(own[14] ?? 0)) * 1000) / 100;
}

function postgresChildren(postmaster: number): number {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(stat(Number(entry))[1]) === postmaster).length;
}

/** pgbench's backends exit after it does; count their CPU only once the postmaster has reaped them. */
async function settled(postmaster: number, children: number): Promise<void> {
  for (let i = 0; i < 50 && postgresChildren(postmaster) > children; i++) await new Promise((r) => setTimeout(r, 100));
}

interface PgbenchResult {
  tps: number;
  /** CPU ms per transaction of PostgreSQL and of pgbench itself. */
  postgresCpu: number;
  clientCpu: number;
}

async function pgbench(databaseUrl: string, postmaster: number, script: string, clients: number): Promise<PgbenchResult> {
  const file = join(tmpdir(), `kathelfer-bench-${process.pid}.sql`);
  writeFileSync(file, script);
  try {
    const children = postgresChildren(postmaster);
    const postgres0 = postgresCpuMs(postmaster);
    const client0 = childrenCpuMs();
    const { stdout } = await run('pgbench', ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', file, databaseUrl], {
      maxBuffer: 1 << 20,
    });
    const match = /tps = ([\d.]+)/.exec(stdout);
    const done = /number of transactions actually processed: (\d+)/.exec(stdout);
    if (!match?.[1] || !done?.[1]) throw new Error(`pgbench printed no tps:\n${stdout}`);
    const n = Math.max(1, Number(done[1]));
    await settled(postmaster, children);
    return { tps: Number(match[1]), postgresCpu: (postgresCpuMs(postmaster) - postgres0) / n, clientCpu: (childrenCpuMs() - client0) / n };
  } finally {
    rmSync(file, { force: true });
  }
}

const datastores = await OwnDatastores.start();
const port = await freePort();
const schema = 'registration';
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
const manifest = readFileSync(join(here, '../../../manifests/base/services/registration.yaml'), 'utf8');
const nodeOptions = /name: NODE_OPTIONS, value: "([^"]*)"/.exec(manifest)?.[1] ?? '';
const memoryLimit = /limits: \{memory: (\w+)\}/.exec(manifest)?.[1] ?? '?';
log(`bundling the service; NODE_OPTIONS from the manifest: ${nodeOptions}`);
const bundlePath = await bundle('services/registration');
const service = spawn(process.execPath, [...profile, ...nodeOptions.split(' ').filter(Boolean), bundlePath], {
  env: {
    ...process.env,
    DATABASE_URL: datastores.databaseUrl,
    REDIS_URL: datastores.redisUrl,
    DB_SCHEMA: schema,
    PORT: String(port),
    JWT_SECRET: testJwtSecret,
    RATE_LIMIT_REGISTRATIONS: '100000000',
    DB_POOL_MAX: pool,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    SHUTDOWN_DRAIN_MS: '0',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200) break;
    if (i > 150) throw new Error('the service did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  log('warm-up (3 s)');
  await cannon(url, 50, 3);
  const rows: Array<HttpResult & { clients: number; ceiling: PgbenchResult; classic: number; cpu: CpuShare; load: number }> = [];
  for (const connections of [50, 200]) {
    log(`autocannon: ${connections} connections, ${seconds} s`);
    const before = cpuSnapshot(service.pid ?? 0, datastores);
    const http = await cannon(url, connections, seconds);
    const after = cpuSnapshot(service.pid ?? 0, datastores);
    const n = Math.max(1, http.ok + http.failed);
    const cpu: CpuShare = {
      service: (after.service - before.service) / n,
      postgres: (after.postgres - before.postgres) / n,
      redis: (after.redis - before.redis) / n,
      load: (after.load - before.load) / n,
    };
    const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    // max_connections is 200 in hack/datastores.sh; the service holds its pool, superusers keep 3.
    const clients = Math.min(connections, 200 - Number(pool) - 5);
    log(`pgbench: ${clients} clients, ${seconds} s, the service's statement, then BEGIN/INSERT/INSERT/COMMIT`);
    const ceiling = await pgbench(datastores.databaseUrl, datastores.postgresPid, pgbenchStatement(schema), clients);
    const classic = (await pgbench(datastores.databaseUrl, datastores.postgresPid, pgbenchTransaction(schema), clients)).tps;
    rows.push({ ...http, clients, ceiling, classic, cpu, load });
  }
  // Every process here competes for the same cores, so at saturation throughput is about
  // cores / (CPU ms per operation, all processes): the service's share of the ceiling cannot exceed
  // pgbench's CPU per transaction over the whole path's CPU per registration (HTTP client included).
  const peakMiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const lines = [
    `registration benchmark — ${new Date().toISOString()}, ${seconds} s per step, service DB pool ${pool}, one process, ${cpus().length} cores`,
    `service: the bundle with NODE_OPTIONS="${nodeOptions}"; peak resident memory ${peakMiB.toFixed(0)} MiB (limit in the manifest: ${memoryLimit})`,
    '',
    '| connections | registrations/s | p50 ms | p99 ms | 2xx | failed | CPU ms per registration: service / PostgreSQL / Redis / autocannon = total | load avg | pgbench clients | pgbench tps, same statement (ceiling) | CPU ms per pgbench tx: PostgreSQL / pgbench = total | % of ceiling (CPU bound) | pgbench tps, BEGIN/2×INSERT/COMMIT | targets @200: ≥1500/s, ≥50%, p99<100 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const share = (100 * r.rps) / r.ceiling.tps;
      const total = r.cpu.service + r.cpu.postgres + r.cpu.redis + r.cpu.load;
      const pgTotal = r.ceiling.postgresCpu + r.ceiling.clientCpu;
      const bound = (100 * pgTotal) / total;
      const targets = r.connections === 200 ? [r.rps >= 1500, share >= 50, r.p99 < 100].map((ok) => (ok ? 'met' : 'missed')).join(' / ') : '—';
      const cpu = [r.cpu.service, r.cpu.postgres, r.cpu.redis, r.cpu.load].map((v) => v.toFixed(2)).join(' / ');
      return `| ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.ok} | ${r.failed} | ${cpu} = ${total.toFixed(2)} | ${r.load.toFixed(1)} | ${r.clients} | ${r.ceiling.tps.toFixed(0)} | ${r.ceiling.postgresCpu.toFixed(2)} / ${r.ceiling.clientCpu.toFixed(2)} = ${pgTotal.toFixed(2)} | ${share.toFixed(0)}% (${bound.toFixed(0)}%) | ${r.classic.toFixed(0)} | ${targets} |`;
    }),
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  const out = join(here, '../../../bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `registration-${Date.now()}.md`), `${table}\n`);
} finally {
  service.kill('SIGTERM');
  await once(service, 'exit');
  await datastores.purge();
}
