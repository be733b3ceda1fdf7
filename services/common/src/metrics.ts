import type { Middleware } from 'koa';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** One registry per app, so tests can build several apps in one process. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/** A gauge whose value is read when Prometheus scrapes (outbox backlog, DB pool). */
export function gaugeFromCallback(
  metrics: Metrics,
  name: string,
  help: string,
  read: () => Promise<number> | number,
): Gauge {
  return new Gauge({
    name,
    help,
    registers: [metrics.registry],
    async collect() {
      this.set(await read());
    },
  });
}

export function httpMetrics(metrics: Metrics): Middleware {
  return async function httpMetricsMiddleware(ctx, next) {
    const stop = metrics.httpDuration.startTimer();
    // On 'finish' the error middleware has set the final status, whatever was thrown.
    ctx.res.once('finish', () => {
      const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      stop({ method: ctx.method, route: typeof route === 'string' ? route : 'unmatched', status: String(ctx.status) });
    });
    await next();
  };
}
