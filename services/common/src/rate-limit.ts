/**
 * Rate limits shared by all replicas through Redis, built on `rate-limiter-flexible` (its atomic
 * Redis counter: one Lua INCR + expiry per request, keys that always expire, blocking after
 * repeated abuse). While Redis is unreachable or slower than `timeoutMs`, each replica counts in
 * its own memory with the same limits (the library's insurance limiter) instead of letting
 * everything through or refusing everything: losing a volunteer's registration is worse than a
 * burst, and an outage must not turn the limit off either.
 */
import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError, TooManyRequestsError } from './errors.js';
import type { RedisClient } from './redis.js';

export interface LimitOptions {
  /** Part of the Redis key (`${prefix}${name}:${key}`) and of the log line when it trips. */
  name: string;
  /** Requests (or failures) allowed per window. */
  points: number;
  /** The window in seconds; it starts with the first request of a key. */
  durationSeconds: number;
  /** Once over the limit, the key stays refused this long (0: until the window ends). @default 0 */
  blockSeconds?: number;
}

/** One limit: at most `points` per `durationSeconds` per key. */
export class Limit {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    redis: RedisClient,
    prefix: string,
    readonly options: LimitOptions,
    /** How long a request waits for Redis before this replica counts it in memory. @default 250 */
    timeoutMs = 250,
  ) {
    const common = { keyPrefix: `${prefix}${options.name}`, points: options.points, duration: options.durationSeconds, blockDuration: options.blockSeconds ?? 0 };
    this.limiter = new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({ ...common, storeClient: redis, useRedisPackage: true, rejectIfRedisNotReady: true }),
      insuranceLimiter: new RateLimiterMemory(common),
      timeoutMs,
      blockDuration: common.blockDuration,
    });
  }

  /** Counts one request of `key`; throws TooManyRequestsError (429, Retry-After) when over the limit. */
  async consume(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      throw tooMany(rejection);
    }
  }

  /** Throws TooManyRequestsError once `key` has used up its points, without counting anything. */
  async check(key: string): Promise<void> {
    const state = await this.limiter.get(key).catch(() => null);
    if (state !== null && state.consumedPoints >= this.options.points) throw tooMany(state);
  }

  /**
   * Counts one against `key` (a failure), never throwing. The count that uses up the points
   * blocks the key for `blockSeconds`, so check() refuses it that long.
   */
  async count(key: string): Promise<void> {
    const state = await this.limiter.consume(key).catch((rejection: unknown) => (rejection instanceof RateLimiterRes ? rejection : null));
    const block = this.options.blockSeconds ?? 0;
    if (state !== null && state.consumedPoints >= this.options.points && block > 0) await this.limiter.block(key, block).catch(() => undefined);
  }
}

function tooMany(rejection: unknown): Error {
  if (!(rejection instanceof RateLimiterRes)) return rejection instanceof Error ? rejection : new Error(String(rejection));
  return new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
}

/**
 * A key for a personal identifier (phone number, e-mail address) that keeps it out of Redis in
 * clear: the SHA-256 of kind and value. The key expires with its window.
 */
export function personKey(kind: string, value: string): string {
  return createHash('sha256').update(`${kind}\n${value}`).digest('hex').slice(0, 32);
}

/**
 * Middleware: `perAddress` counts every request of the client address (`ctx.ip`, see
 * client-address.ts); `failures` refuses an address that has sent too many requests answered with
 * a 4xx (other than 429) and counts each such answer.
 */
export function addressLimits(options: { perAddress: Limit; failures?: Limit }): Middleware {
  const { perAddress, failures } = options;
  return async function addressLimitsMiddleware(ctx, next) {
    const address = ctx.ip;
    if (failures !== undefined) await failures.check(address);
    await perAddress.consume(address);
    try {
      await next();
    } catch (error) {
      if (failures !== undefined && error instanceof DomainError && error.status >= 400 && error.status < 500 && error.status !== 429) await failures.count(address);
      throw error;
    }
    if (failures !== undefined && ctx.status >= 400 && ctx.status < 500 && ctx.status !== 429) await failures.count(address);
  };
}
