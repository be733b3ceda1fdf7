import type { Middleware } from 'koa';

/** Headers the web pages send: bearer tokens, JSON bodies, idempotency keys, optimistic locking. */
const allowedHeaders = 'Authorization, Content-Type, Idempotency-Key, If-Match';
const allowedMethods = 'GET, POST, PUT, PATCH, DELETE';
/** What the pages read of a response besides the simple headers. */
const exposedHeaders = 'ETag, Location, Retry-After';

/**
 * The one CORS policy of every service: the web pages served by one service call the APIs of the
 * others (registration, tasks, matching) when they live on different origins. Only the listed
 * origins are answered, each echoed exactly (never `*`); credentials (cookies) are never allowed —
 * the pages send their tokens in the Authorization header. Same-origin requests need none of this.
 * Preflights of allowed origins are answered here, before authentication, with 204.
 */
export function cors(options: { origins: readonly string[]; maxAgeSeconds?: number }): Middleware {
  const origins = new Set(options.origins);
  const maxAge = String(options.maxAgeSeconds ?? 600);
  return async function corsMiddleware(ctx, next) {
    const origin = ctx.get('origin');
    // Caches must not hand one origin's answer to another.
    ctx.vary('Origin');
    if (origin === '' || !origins.has(origin)) {
      await next();
      return;
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '') {
      ctx.set('Access-Control-Allow-Methods', allowedMethods);
      ctx.set('Access-Control-Allow-Headers', allowedHeaders);
      ctx.set('Access-Control-Max-Age', maxAge);
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', exposedHeaders);
    await next();
  };
}
