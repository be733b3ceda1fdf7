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
}): Middleware {
  const keyOf = options.key ?? ((ctx: ParameterizedContext) => ctx.ip);
  return async function rateLimitMiddleware(ctx, next) {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const window = Math.floor(nowSeconds / options.windowSeconds);
    const key = `${options.prefix}${keyOf(ctx)}:${window}`;
    let count: number | undefined;
    try {
      const [incremented] = (await options.redis
        .multi()
        .incr(key)
        .expire(key, options.windowSeconds + 1)
        .exec()) as unknown as [number, number];
      count = incremented;
    } catch (error) {
      ctx.state.log.debug({ err: error }, 'rate limit unavailable; letting the request through');
    }
    if (count !== undefined && count > options.limit) {
      throw new TooManyRequestsError((window + 1) * options.windowSeconds - nowSeconds);
    }
    await next();
  };
}
