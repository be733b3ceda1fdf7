import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import { errorHandler } from './error-handler.js';
import { Lifecycle, operationalRoutes, type ReadinessCheck } from './health.js';
import { requestContext, type Logger } from './logger.js';
import { createMetrics, httpMetrics, type Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { defineRoute, mountRoutes, type AnyRoute } from './routes.js';

export interface ServiceAppOptions {
  name: string;
  version: string;
  description?: string;
  logger: Logger;
  routes: readonly AnyRoute[];
  readiness: Record<string, ReadinessCheck>;
  /** Reported by /readyz without failing it (see operationalRoutes). */
  degradable?: Record<string, ReadinessCheck>;
  bodyLimitBytes: number;
  trustProxy?: boolean;
  lifecycle?: Lifecycle;
  metrics?: Metrics;
}

export interface ServiceApp {
  app: Koa;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** Every route, including the operational ones and `/openapi.json`. */
  routes: readonly AnyRoute[];
}

/**
 * The one way to build a service's Koa app: error middleware first, then request id and access
 * log, metrics, and the routes (strict JSON bodies where a route takes one; the service's, `/healthz`, `/readyz`,
 * `/metrics`, `/openapi.json`). It does not listen: `serve()` does, and tests use `app.callback()`.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const metrics = options.metrics ?? createMetrics(options.name);
  const app = new Koa({ proxy: options.trustProxy ?? false });

  const routes: AnyRoute[] = [...options.routes, ...operationalRoutes({ lifecycle, metrics, checks: options.readiness, degradable: options.degradable })];
  let document: unknown;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags: ['operations'],
      responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
      handler: () => {
        document ??= openApiDocument({ title: options.name, version: options.version, description: options.description }, routes);
        return Promise.resolve({ status: 200, body: document });
      },
    }),
  );

  app.use(errorHandler(options.logger));
  app.use(requestContext(options.logger));
  app.use(httpMetrics(metrics));
  app.use(async function baseHeaders(ctx, next) {
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(async function closeWhileDraining(ctx, next) {
    // Clients drop their keep-alive connection to a terminating replica and reconnect elsewhere.
    if (lifecycle.draining) ctx.set('Connection', 'close');
    await next();
  });
  const router = new Router();
  mountRoutes(router, routes, { bodyLimitBytes: options.bodyLimitBytes });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return { app, lifecycle, metrics, routes };
}
