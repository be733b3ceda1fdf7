import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { eventually } from '@kathelfer/hack/test-env';
import { createSequelize } from '@kathelfer/common/db';
import { freePort } from '@kathelfer/common/testing/own-datastores';
import { testEnv } from './support/matching.js';

const server = join(dirname(fileURLToPath(import.meta.url)), '../src/server.ts');

test('GIVEN the deployable entry point WHEN it gets SIGTERM THEN readiness turns false, consumers, sweep and relay stop, and it exits 0', async (t) => {
  const port = await freePort();
  const env = testEnv({ PORT: String(port), SHUTDOWN_DRAIN_MS: '600', LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, ['--import', 'tsx', server], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually('the replica to be ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    child.kill('SIGTERM');
    const draining = await eventually('readiness to turn false', async () => {
      const status = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
      return status === 503 ? status : undefined;
    }, { timeoutMs: 5_000, intervalMs: 50 });
    t.is(draining, 503);
    const [code] = await exited;
    t.is(code, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    const sequelize = createSequelize({ DATABASE_URL: env.DATABASE_URL ?? '', DB_POOL_MAX: 1, DB_POOL_MIN: 0, DB_POOL_ACQUIRE_MS: 5_000, DB_POOL_IDLE_MS: 1_000 });
    await sequelize.query(`DROP SCHEMA IF EXISTS "${env.DB_SCHEMA}" CASCADE`);
    await sequelize.close();
  }
});
