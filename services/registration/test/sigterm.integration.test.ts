import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import pg from 'pg';
import { eventually } from '@kathelfer/hack/test-env';
import { freePort } from '@kathelfer/common/testing/own-datastores';
import { postJson, testEnv, validBody } from './support/registration.js';

const server = join(dirname(fileURLToPath(import.meta.url)), '../src/server.ts');

test('GIVEN a replica under load WHEN it gets SIGTERM THEN readiness turns false, every request sent to it succeeds, and it exits cleanly', async (t) => {
  const port = await freePort();
  const env = testEnv({ PORT: String(port), SHUTDOWN_DRAIN_MS: '1500', LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, ['--import', 'tsx', server], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually('the replica to be ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });

    // The load balancer: sends while the replica is in its endpoints, stops once readiness failed.
    let inEndpoints = true;
    let sawNotReady = false;
    const statuses = new Map<string, number>();
    const worker = async () => {
      while (inEndpoints) {
        let outcome: string;
        try {
          const response = await postJson(`${url}/v1/helpers`, validBody());
          outcome = String(response.status);
          await response.body?.cancel();
        } catch (error) {
          outcome = `error: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error)}`;
        }
        statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    const probe = (async () => {
      while (inEndpoints) {
        const ready = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
        if (ready !== 200 && !sawNotReady) {
          sawNotReady = true;
          // endpoint removal takes a moment to reach every load balancer
          setTimeout(() => (inEndpoints = false), 500);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    child.kill('SIGTERM');
    await Promise.all([...workers, probe]);
    const [code] = await exited;

    t.true(sawNotReady, 'readiness turned false while draining');
    t.deepEqual([...statuses.keys()], ['201'], `every request succeeded: ${JSON.stringify([...statuses])}`);
    t.true((statuses.get('201') ?? 0) > 20);
    t.is(code, 0, stderr);
    t.log(`${statuses.get('201')} registrations, none failed`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${env.DB_SCHEMA}" CASCADE`);
    await client.end();
  }
});
