/**
 * One planning round per DisasterEvent at a time, across replicas: a Redis lock that expires after
 * `ttlMs` (so a crashed replica's lock goes by itself), with a fencing token from a Redis counter.
 * The lock alone is not enough: a replica that stalls past the TTL (a long GC pause, a CPU-starved
 * pod) would write after another one started. So the token is checked on write as well: a round
 * first raises the incident's fence in PostgreSQL to its token, and writes only while the fence still
 * holds it (rounds.ts). A stale holder then finds a higher fence and writes nothing.
 */
import type { RedisClient } from '@kathelfer/common/redis';

export interface HeldLock {
  token: number;
  release(): Promise<void>;
}

// Deletes the lock only if it is still ours: after a TTL expiry it may belong to another replica.
const releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class RoundLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(incidentId: string): Promise<HeldLock | undefined> {
    const key = `${this.prefix}matching:round-lock:${incidentId}`;
    // Checked first only to spare the counter; the SET NX below decides.
    if ((await this.redis.exists(key)) === 1) return undefined;
    const token = await this.redis.incr(`${this.prefix}matching:round-fence:${incidentId}`);
    const acquired = await this.redis.set(key, String(token), { NX: true, PX: this.ttlMs });
    if (acquired === null) return undefined;
    return {
      token,
      release: async () => {
        await this.redis.eval(releaseScript, { keys: [key], arguments: [String(token)] });
      },
    };
  }

  /** Polls until the lock is ours or `waitMs` passed. */
  async acquire(incidentId: string, waitMs: number): Promise<HeldLock | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const held = await this.tryAcquire(incidentId);
      if (held !== undefined || Date.now() >= deadline) return held;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
