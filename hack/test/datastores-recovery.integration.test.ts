import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import pg from 'pg';
import { createClient } from 'redis';

// The servers of this test only, in a state directory of its own: killing them touches nobody else.
const run = promisify(execFile);
const script = resolve(dirname(fileURLToPath(import.meta.url)), '../datastores.sh');
let state: string;
let env: NodeJS.ProcessEnv;

const datastores = (command: string) => run('bash', [script, command], { env, timeout: 300_000 });
const file = async (name: string) => (await readFile(join(state, 'datastores', name), 'utf8')).trim();
const recorded = async () => Object.fromEntries((await file('env')).split('\n').map((line) => line.split('=', 2) as [string, string]));

async function answers(urls: Record<string, string>): Promise<boolean> {
  const client = new pg.Client({ connectionString: urls.DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
  await client.end();
  const redis = createClient({ url: urls.REDIS_URL });
  await redis.connect();
  const pong = await redis.ping();
  await redis.quit();
  return rows[0]?.one === 1 && pong === 'PONG';
}

test.before(async () => {
  state = await mkdtemp(join(tmpdir(), 'kathelfer-ds-recovery-'));
  env = { ...process.env, KATHELFER_STATE: state };
  await datastores('up');
});
test.after.always(async () => {
  if (state === undefined) return;
  await datastores('purge').catch(() => undefined);
  await rm(state, { recursive: true, force: true });
});

test.serial('up after PostgreSQL was killed with -9 restarts it on its recorded port and leaves the live Redis alone', async (t) => {
  const before = await recorded();
  const redisPid = await file('redis.pid');
  // WHEN the postmaster dies without a chance to clean up
  process.kill(Number(await file('postgres.pid')), 'SIGKILL');
  await datastores('up');
  // THEN the same URLs work again, and Redis is the very same process
  t.deepEqual(await recorded(), before);
  t.is(await file('redis.pid'), redisPid);
  t.true(await answers(before));
});

test.serial('up after Redis was killed restarts it on its recorded port and leaves the live PostgreSQL alone', async (t) => {
  const before = await recorded();
  const postgresPid = await file('postgres.pid');
  process.kill(Number(await file('redis.pid')), 'SIGKILL');
  await datastores('up');
  t.deepEqual(await recorded(), before);
  t.is(await file('postgres.pid'), postgresPid);
  t.true(await answers(before));
});
