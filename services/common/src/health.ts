import { z } from 'zod';
import { ServiceUnavailableError } from './errors.js';
import type { Metrics } from './metrics.js';
import { defineRoute, type AnyRoute } from './routes.js';

/** Shared between the app (readiness, Connection: close) and the shutdown sequence. */
export class Lifecycle {
  draining = false;
}

export type ReadinessCheck = () => Promise<void>;

async function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const statusSchema = z.object({ status: z.enum(['ok', 'draining', 'unavailable']), checks: z.record(z.string(), z.string()).optional() });

/** `/healthz` (the process answers), `/readyz` (dependencies reachable, not draining), `/metrics`. */
export function operationalRoutes(options: {
  lifecycle: Lifecycle;
  checks: Record<string, ReadinessCheck>;
  metrics: Metrics;
}): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tags: ['operations'],
      responses: { 200: { description: 'alive', schema: statusSchema } },
      handler: () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database and Redis reachable and not shutting down',
      tags: ['operations'],
      responses: { 200: { description: 'ready', schema: statusSchema }, 503: { description: 'not ready' } },
      handler: async () => {
        if (options.lifecycle.draining) throw new ServiceUnavailableError('draining: this replica is shutting down');
        const checks: Record<string, string> = {};
        let ok = true;
        await Promise.all(
          Object.entries(options.checks).map(async ([name, check]) => {
            try {
              await withTimeout(check, 1_000);
              checks[name] = 'ok';
            } catch (error) {
              ok = false;
              checks[name] = error instanceof Error ? error.message : 'failed';
            }
          }),
        );
        if (!ok) throw new ServiceUnavailableError(`not ready: ${JSON.stringify(checks)}`);
        return { status: 200, body: { status: 'ok', checks } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tags: ['operations'],
      responses: { 200: { description: 'Prometheus text exposition format' } },
      handler: async ({ ctx }) => {
        ctx.type = options.metrics.registry.contentType;
        return { status: 200, body: await options.metrics.registry.metrics() };
      },
    }),
  ];
}
