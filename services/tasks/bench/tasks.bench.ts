/**
 * `npm run bench:tasks`: the coordinators' open-task query — by incident, area (postal area) and
 * priority, most urgent first — with 100,000 tasks in the database. One task service process on
 * this machine, autocannon against GET /v1/tasks with a rotating area and priority; in the same run
 * `/healthz` (the HTTP stack without the database) and pgbench sending the same SELECT (the
 * database alone) as baselines, and EXPLAIN ANALYZE of the query to show it is answered by an index.
 * PostgreSQL and Redis are the bench's own (hack/datastores.sh in a temporary state directory).
 *
 * BENCH_TASKS (default 100000), BENCH_SECONDS (default 10), BENCH_POOL (default 10) and
 * BENCH_LOG_LEVEL (default info: access logs are part of the cost) tune it; BENCH_CPU_PROF=<dir>
 * writes a CPU profile of the service there.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort, OwnDatastores } from '@kathelfer/common/testing/own-datastores';
import { signToken, testJwtSecret } from '@kathelfer/common/testing/http';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const taskCount = Number(process.env.BENCH_TASKS ?? 100_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const pool = process.env.BENCH_POOL ?? '10';
const schema = 'tasks';
const incident = 'bench-flood';
const areas = Array.from({ length: 50 }, (_, i) => String(10 + i * 7).padStart(3, '0'));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/**
 * 200 sites in 50 postal areas; 100,000 tasks spread over the sites (g % 200), and independently
 * of that over priorities (g / 200) and statuses (g / 1000): about 60 % still open or partially filled.
 */
async function seed(client: pg.Client): Promise<void> {
  const s = `"${schema}"`;
  await client.query(`
    INSERT INTO ${s}.sites (id, incident_id, name, postal_code, city, postal_area, latitude, longitude, meeting_point, capacity, created_by, updated_by)
    SELECT gen_random_uuid(), $1, 'Site ' || g, a.area || '01', 'City', a.area, 51 + g / 1000.0, 13 + g / 1000.0, 'Gate', 50, 'bench', 'bench'
      FROM generate_series(1, 200) g, LATERAL (SELECT ($2::text[])[1 + g % array_length($2::text[], 1)] AS area) a`, [incident, areas]);
  await client.query(`
    WITH s AS (SELECT id, postal_area, latitude, longitude, row_number() OVER () - 1 AS n FROM ${s}.sites)
    INSERT INTO ${s}.tasks (id, incident_id, site_id, title, description, skills, resources, headcount, filled_count,
                            shift_start, shift_end, priority, bring, briefing, status, postal_area, latitude, longitude, created_by, updated_by)
    SELECT gen_random_uuid(), $1, s.id, 'Task ' || g, '', '{sandbagging}', '{shovel}', 4, 0,
           now() + (g % 72) * interval '1 hour', now() + (g % 72 + 6) * interval '1 hour', 1 + (g / 200) % 5, '{}', '',
           (ARRAY['open', 'open', 'partially_filled', 'filled', 'in_progress', 'completed', 'open', 'partially_filled', 'cancelled', 'open'])[1 + (g / 1000) % 10],
           s.postal_area, s.latitude, s.longitude, 'bench', 'bench'
      FROM generate_series(1, $2::int) g JOIN s ON s.n = g % 200`, [incident, taskCount]);
  await client.query(`VACUUM ANALYZE ${s}.tasks`);
}

/** The statement TaskService.openTasks sends for an area and a priority bound. */
const openTasksSql = `SELECT * FROM "${schema}".tasks WHERE incident_id = $1 AND status IN ('open', 'partially_filled') AND priority <= $2 AND postal_area = $3 ORDER BY priority, shift_start, id LIMIT $4`;
const openTasksNoAreaSql = `SELECT * FROM "${schema}".tasks WHERE incident_id = $1 AND status IN ('open', 'partially_filled') AND priority <= $2 ORDER BY priority, shift_start, id LIMIT $3`;

interface HttpResult {
  what: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

async function cannon(what: string, url: string, connections: number, duration: number, headers: Record<string, string>, paths: () => string): Promise<HttpResult> {
  const result = await autocannon({
    url,
    connections,
    duration,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths() }) }],
  });
  return { what, connections, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'], failed: result.non2xx + result.errors + result.timeouts };
}

async function pgbench(databaseUrl: string, clients: number): Promise<{ tps: number; latencyMs: number }> {
  const file = join(tmpdir(), `kathelfer-bench-tasks-${process.pid}.sql`);
  const areaList = areas.map((a) => `'${a}'`).join(',');
  writeFileSync(
    file,
    `\\set a random(1, ${areas.length})\n\\set p random(1, 5)\n` +
      `SELECT * FROM "${schema}".tasks WHERE incident_id = '${incident}' AND status IN ('open', 'partially_filled') AND priority <= :p AND postal_area = (ARRAY[${areaList}])[:a] ORDER BY priority, shift_start, id LIMIT 51;\n`,
  );
  const { stdout } = await run('pgbench', ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', file, databaseUrl], { maxBuffer: 1 << 20 });
  const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
  if (tps === undefined) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return { tps: Number(tps), latencyMs: Number(latency ?? NaN) };
}

const datastores = await OwnDatastores.start();
const port = await freePort();
const profileDir = process.env.BENCH_CPU_PROF;
const service = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', join(here, '../src/server.ts')], {
  env: {
    ...process.env,
    DATABASE_URL: datastores.databaseUrl,
    REDIS_URL: datastores.redisUrl,
    DB_SCHEMA: schema,
    PORT: String(port),
    JWT_SECRET: testJwtSecret,
    CHECKIN_SECRET: 'bench-checkin-secret-0123456789-0123456789',
    DB_POOL_MAX: pool,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    SHUTDOWN_DRAIN_MS: '0',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
const client = new pg.Client({ connectionString: datastores.databaseUrl });
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200) break;
    if (i > 150) throw new Error('the service did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  await client.connect();
  log(`seeding ${taskCount} tasks`);
  const seedStarted = Date.now();
  await seed(client);
  const [{ open }] = (await client.query<{ open: number }>(`SELECT count(*)::int AS open FROM "${schema}".tasks WHERE status IN ('open', 'partially_filled')`)).rows as [{ open: number }];
  log(`seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s; ${open} open or partially filled`);

  const plans: string[] = [];
  for (const [name, sql, params] of [
    ['area 031, priority ≤ 2', openTasksSql, [incident, 2, '031', 51]],
    ['no area, priority ≤ 5 (whole incident)', openTasksNoAreaSql, [incident, 5, 51]],
  ] as const) {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, [...params]);
    plans.push(`-- ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  const usesIndex = plans.every((p) => /Index Scan using tasks_open_by_(area|priority)/.test(p) && !/Seq Scan/.test(p));

  const token = await signToken(['coordinator'], { subject: 'bench', expiresIn: '1h' });
  const auth = { authorization: `Bearer ${token}` };
  let n = 0;
  const byArea = () => {
    n += 1;
    return `/v1/tasks?incidentId=${incident}&area=${areas[n % areas.length]}&maxPriority=${1 + (n % 5)}`;
  };
  log('warm-up (3 s)');
  await cannon('warm-up', url, 10, 3, auth, byArea);
  const results: Array<HttpResult & { pgbenchTps?: number; pgbenchMs?: number }> = [];
  for (const connections of [1, 10, 50]) {
    log(`/healthz: ${connections} connections, ${seconds} s`);
    results.push(await cannon('GET /healthz (HTTP baseline)', url, connections, seconds, {}, () => '/healthz'));
    log(`open tasks by area and priority: ${connections} connections, ${seconds} s`);
    const r = await cannon('GET /v1/tasks?area&maxPriority (50 per page)', url, connections, seconds, auth, byArea);
    const clients = Math.min(connections, 50);
    log(`pgbench: the same SELECT, ${clients} clients, ${seconds} s`);
    const db = await pgbench(datastores.databaseUrl, clients);
    results.push({ ...r, pgbenchTps: db.tps, pgbenchMs: db.latencyMs });
  }

  const lines = [
    `tasks benchmark — ${new Date().toISOString()}, ${taskCount} tasks (${open} open or partially filled) in ${areas.length} areas, ${seconds} s per step, service DB pool ${pool}, one process`,
    '',
    '| request | connections | req/s | p50 ms | p99 ms | 2xx | failed | pgbench same SELECT: tps (DB ceiling) | pgbench avg ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.what} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.ok} | ${r.failed} | ${r.pgbenchTps === undefined ? '—' : r.pgbenchTps.toFixed(0)} | ${r.pgbenchMs === undefined ? '—' : r.pgbenchMs.toFixed(2)} |`,
    ),
    '',
    `Query plans (EXPLAIN ANALYZE; index only, no sequential scan: ${usesIndex ? 'yes' : 'NO'}):`,
    '',
    '```',
    ...plans,
    '```',
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  const out = join(here, '../../../bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `tasks-${Date.now()}.md`), `${table}\n`);
  if (!usesIndex) process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
  service.kill('SIGTERM');
  await once(service, 'exit');
  await datastores.purge();
}
