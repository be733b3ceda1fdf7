import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import { clientAddress, type TrustedProxies } from './client-address.js';
import type { BaseConfig } from './config.js';
import { cors } from './cors.js';
import { errorHandler } from './error-handler.js';
import { Lifecycle, operationalRoutes, type ReadinessCheck } from './health.js';
import { requestContext, type Logger } from './logger.js';
import { createMetrics, httpMetrics, type Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { defineRoute, methodNotAllowed, mountRoutes, type AnyRoute } from './routes.js';
import { findWebDist, signInOf, webPages } from './web.js';

/** What the browser side needs of the configuration: allowed origins, API URLs, the built pages. */
export type BrowserConfig = Pick<BaseConfig, 'CORS_ALLOWED_ORIGINS' | 'PUBLIC_REGISTRATION_URL' | 'PUBLIC_TASKS_URL' | 'PUBLIC_MATCHING_URL' | 'WEB_DIST_DIR'> &
  Partial<Pick<BaseConfig, 'OIDC_AUTHORITY' | 'OIDC_WEB_CLIENT_ID' | 'JWT_JWKS_URL' | 'JWT_ISSUER'>>;

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
  /** Proxies whose X-Forwarded-For names the client (`ctx.ip`); undefined: none. */
  trustedProxies?: TrustedProxies;
  lifecycle?: Lifecycle;
  metrics?: Metrics;
  /** CORS and the web pages; without it, same-origin only and no pages. */
  browser?: BrowserConfig;
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
 * log, metrics, CORS, the web pages (GET of their few known paths), and the routes (strict JSON bodies where a route takes one; the service's, `/healthz`, `/readyz`,
 * `/metrics`, `/openapi.json`). It does not listen: `serve()` does, and tests use `app.callback()`.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const metrics = options.metrics ?? createMetrics(options.name);
  // Koa's own `proxy` would believe X-Forwarded-For from any peer; clientAddress believes only the trusted proxies.
  const app = new Koa({ proxy: false });

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

  // CORS first, so that error responses (problem documents) are readable by the pages as well.
  const browser = options.browser;
  if (browser !== undefined && browser.CORS_ALLOWED_ORIGINS.length > 0) app.use(cors({ origins: browser.CORS_ALLOWED_ORIGINS }));
  app.use(errorHandler(options.logger));
  app.use(clientAddress(options.trustedProxies));
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
  if (browser !== undefined) {
    app.use(
      webPages({
        dir: browser.WEB_DIST_DIR ?? findWebDist(),
        apiUrls: { registration: browser.PUBLIC_REGISTRATION_URL, tasks: browser.PUBLIC_TASKS_URL, matching: browser.PUBLIC_MATCHING_URL },
        signIn: signInOf(browser),
      }),
    );
  }
  const router = new Router();
  mountRoutes(router, routes, { bodyLimitBytes: options.bodyLimitBytes });
  app.use(methodNotAllowed());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, lifecycle, metrics, routes };
}
