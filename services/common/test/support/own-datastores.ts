/**
 * Fault tests stop and restart servers; they must never touch the servers other test files share.
 * These helpers start servers of a test's own, by pid, in a state directory of its own, and remove
 * them afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { freePort } from '@kathelfer/hack/test-env';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export { freePort };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** A Redis server of this test only, with an append-only file so a restart keeps its streams. */
export class OwnRedis {
  private pid: number | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), mkdtempSync(join(tmpdir(), 'kathelfer-own-redis-')));
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    this.pid = child.pid;
    for (let i = 0; i < 100; i++) {
      try {
        const { stdout } = await run('redis-cli', ['-p', String(this.port), 'ping']);
        if (stdout.trim() === 'PONG') return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis on port ${this.port} did not start`);
  }

  async down(): Promise<void> {
    if (this.pid !== undefined) await stopPid(this.pid);
    this.pid = undefined;
  }

  async purge(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** PostgreSQL and Redis of this test only, started by hack/datastores.sh in a state directory of its own. */
export class OwnDatastores {
  private constructor(
    private readonly state: string,
    readonly env: Record<string, string>,
  ) {}

  static async start(): Promise<OwnDatastores> {
    const state = mkdtempSync(join(tmpdir(), 'kathelfer-own-ds-'));
    const env = { ...process.env, KATHELFER_STATE: state };
    try {
      const { stdout } = await run('bash', [join(repoRoot, 'hack/datastores.sh'), 'up'], { env });
      const envFile = stdout.trim().split('\n').pop() ?? '';
      const values = Object.fromEntries(
        readFileSync(envFile, 'utf8')
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      return new OwnDatastores(state, values);
    } catch (error) {
      await run('bash', [join(repoRoot, 'hack/datastores.sh'), 'purge'], { env }).catch(() => undefined);
      rmSync(state, { recursive: true, force: true });
      throw error;
    }
  }

  get databaseUrl(): string {
    return this.env.DATABASE_URL ?? '';
  }

  get redisUrl(): string {
    return this.env.REDIS_URL ?? '';
  }

  /** The postmaster's pid (changes with a restart). */
  get postgresPid(): number {
    return Number(readFileSync(join(this.pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  get redisPid(): number {
    return Number(readFileSync(join(this.state, 'datastores/redis.pid'), 'utf8').trim());
  }

  private get pgData(): string {
    return join(this.state, 'datastores/postgres');
  }

  /** A fast restart (clients are disconnected) on the same port and data. */
  async restartPostgres(): Promise<void> {
    const pgCtl = join(dirname(readFileSync(join(this.pgData, 'postmaster.opts'), 'utf8').split(' ')[0] ?? ''), 'pg_ctl');
    const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    const command = [...asPostgres, pgCtl, '-D', this.pgData, '-l', join(this.state, 'datastores/logs/postgres-restart.log'), '-m', 'fast', '-w', 'restart'];
    await run(command[0] ?? '', command.slice(1));
    // datastores.sh stops the server by the pid it recorded; record the new one.
    const pid = readFileSync(join(this.pgData, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '';
    writeFileSync(join(this.state, 'datastores/postgres.pid'), `${pid}\n`);
  }

  async purge(): Promise<void> {
    if (existsSync(this.state)) {
      await run('bash', [join(repoRoot, 'hack/datastores.sh'), 'purge'], { env: { ...process.env, KATHELFER_STATE: this.state } }).catch(() => undefined);
      rmSync(this.state, { recursive: true, force: true });
    }
  }
}
