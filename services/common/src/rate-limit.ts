import type { Middleware, ParameterizedContext } from 'koa';
import { TooManyRequestsError } from './errors.js';
import type { Logger } from './logger.js';
import type { RedisClient } from './redis.js';

/**
 * Fixed-window rate limit shared by all replicas through Redis: at most `limit` requests per
 * `windowSeconds` per key (the client IP by default); over it, 429 with Retry-After. While Redis is
 * unreachable it lets requests through: losing a volunteer's registration is worse than a burst.
 */
export function rateLimit(options: {
  redis: RedisClient;
  prefix: string;
  limit: number;
  windowSeconds: number;
  logger: Logger;
  key?: (ctx: ParameterizedContext) => string;
  /** How long a request waits for Redis before it is let through uncounted. */
  timeoutMs?: number;
}): Middleware {
  const keyOf = options.key ?? ((ctx: ParameterizedContext) => ctx.ip);
  return async function rateLimitMiddleware(ctx, next) {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const window = Math.floor(nowSeconds / options.windowSeconds);
    const key = `${options.prefix}${keyOf(ctx)}:${window}`;
    let count: number | undefined;
    // A command sent while disconnected waits for the next reconnect attempt; do not wait for it.
    if (options.redis.isReady) {
      let timer: NodeJS.Timeout | undefined;
      try {
        // One round trip: SET … NX EX creates the window's key with its expiry (every key expires,
        // whatever fails later), INCR counts; both go out in one pipeline, in this order.
        const ttl = options.windowSeconds + 1;
        const counted = Promise.all([options.redis.set(key, 0, { condition: 'NX', expiration: { type: 'EX', value: ttl } }), options.redis.incr(key)]).then(
          ([, n]) => n,
        );
        counted.catch(() => undefined); // may reject after the timeout won
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('rate limit: Redis did not answer in time')), options.timeoutMs ?? 250);
        });
        count = await Promise.race([counted, timeout]);
      } catch (error) {
        ctx.state.log.debug({ err: error }, 'rate limit unavailable; letting the request through');
      } finally {
        clearTimeout(timer);
      }
    }
    if (count !== undefined && count > options.limit) {
      throw new TooManyRequestsError((window + 1) * options.windowSeconds - nowSeconds);
    }
    await next();
  };
}
