import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import pg from 'pg';
import { databaseUrl, eventually } from '@kathelfer/hack/test-env';
import { freePort } from '@kathelfer/common/testing/own-datastores';
import { call, coordinator, siteBody, testEnv } from './support/tasks.js';

const server = join(dirname(fileURLToPath(import.meta.url)), '../src/server.ts');

test('GIVEN the deployable server WHEN it gets SIGTERM THEN readiness turns false, requests during the drain still succeed, and it exits 0', async (t) => {
  const port = await freePort();
  const env = testEnv({ PORT: String(port), SHUTDOWN_DRAIN_MS: '1000', LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, ['--import', 'tsx', server], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually('the replica to be ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    const token = await coordinator();
    child.kill('SIGTERM');
    await eventually('readiness to turn false', async () => ((await fetch(`${url}/readyz`)).status === 503 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 });
    const during = await call(`${url}/v1/sites`, token, 'POST', siteBody());
    t.is(during.status, 201, 'a request that still arrives while draining is served');
    const [code] = await exited;
    t.is(code, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${env.DB_SCHEMA}" CASCADE`);
    await client.end();
  }
});
