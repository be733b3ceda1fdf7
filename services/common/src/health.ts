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

const statusSchema = z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), z.string()).optional() });

async function run(checks: Record<string, ReadinessCheck>): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check, 1_000);
        results[name] = 'ok';
      } catch (error) {
        results[name] = error instanceof Error ? error.message : 'failed';
      }
    }),
  );
  return results;
}

/**
 * `/healthz` (the process answers), `/readyz` (dependencies reachable, not draining), `/metrics`.
 * `checks` must pass for the replica to be ready; `degradable` ones are reported but do not take
 * it out of the Service — for a dependency the service can work without for a while (the outbox
 * keeps events while Redis is away: failing readiness then would turn a Redis outage into a
 * registration outage).
 */
export function operationalRoutes(options: {
  lifecycle: Lifecycle;
  checks: Record<string, ReadinessCheck>;
  degradable?: Record<string, ReadinessCheck>;
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
      summary: 'Readiness: required dependencies reachable and not shutting down; degradable ones reported',
      tags: ['operations'],
      responses: { 200: { description: 'ready', schema: statusSchema }, 503: { description: 'not ready' } },
      handler: async () => {
        if (options.lifecycle.draining) throw new ServiceUnavailableError('draining: this replica is shutting down');
        const [required, optional] = await Promise.all([run(options.checks), run(options.degradable ?? {})]);
        const checks = { ...required, ...optional };
        if (Object.values(required).some((r) => r !== 'ok')) throw new ServiceUnavailableError(`not ready: ${JSON.stringify(checks)}`);
        const degraded = Object.values(optional).some((r) => r !== 'ok');
        return { status: 200, body: { status: degraded ? 'degraded' : 'ok', checks } };
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
