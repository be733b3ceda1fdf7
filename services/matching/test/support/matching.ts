import { randomUUID } from 'node:crypto';
import { eventually } from '@kathelfer/hack/test-env';
import { listen, signToken } from '@kathelfer/common/testing/http';
import { serviceTestEnv } from '@kathelfer/common/testing/service-env';
import { hashToken, newOpaqueToken } from '@kathelfer/common/opaque-token';
import { pino } from 'pino';
import type { PayloadIn } from '@kathelfer/contracts';
import type { createClient } from 'redis';
import { createMatching, type Matching } from '../../src/app.js';
import { loadMatchingConfig } from '../../src/config.js';

export interface Running {
  url: string;
  matching: Matching;
  schema: string;
  prefix: string;
  close(): Promise<void>;
}

/** A unique schema and Redis prefix per call, so test files run in parallel; short timers for tests. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return serviceTestEnv('match', {
    SWEEP_MS: '200',
    ROUND_DEBOUNCE_MS: '50',
    ROUND_MIN_INTERVAL_MS: '0',
    SEARCH_ITERATIONS: '50',
    PLAN_ON_NEW_DATA: 'false',
    ...overrides,
  });
}

/** A migrated matching service listening on a free loopback port; `dropSchema` drops its schema on close. */
export async function startMatching(env: Record<string, string> = testEnv(), { dropSchema = true, port = 0 } = {}): Promise<Running> {
  const config = loadMatchingConfig(env);
  const matching = createMatching(config, pino({ level: env.LOG_LEVEL ?? 'silent' }));
  await matching.start();
  const server = await listen(matching.app, port);
  return {
    url: server.url,
    matching,
    schema: config.DB_SCHEMA,
    prefix: config.REDIS_PREFIX,
    async close() {
      await server.close();
      await matching.close();
      if (dropSchema) {
        const { createSequelize } = await import('@kathelfer/common/db');
        const sequelize = createSequelize(config);
        await sequelize.query(`DROP SCHEMA IF EXISTS "${config.DB_SCHEMA}" CASCADE`).catch(() => undefined);
        await sequelize.close();
      }
    },
  };
}

type Redis = ReturnType<typeof createClient>;

/**
 * Publishes an event on a stream as the outbox relay does (version 1), without checking it: tests
 * also publish what breaks the contract. The builders below are typed by the contracts.
 */
export async function publish(redis: Redis, stream: string, event: { id?: string; type: string; payload: Record<string, unknown>; occurredAt?: string }): Promise<string> {
  const id = event.id ?? randomUUID();
  await redis.xAdd(stream, '*', { id, type: event.type, version: '1', payload: JSON.stringify(event.payload), occurredAt: event.occurredAt ?? new Date().toISOString() });
  return id;
}

export const hour = 3600 * 1000;
/** Shifts start on the next full hour plus `h` hours, so every test has time to answer. */
export const at = (h: number) => new Date(Math.ceil(Date.now() / hour) * hour + h * hour).toISOString();
/** A shift from `from` to `to` hours (see `at`). */
export const shift = (from: number, to: number) => ({ start: at(from), end: at(to) });
/** A task's location near Dresden (or at `latitude`, `longitude`). */
export const place = (latitude = 51.06, longitude = 13.75) => ({ postalArea: '010', latitude, longitude });

export type HelperPayload = PayloadIn<'registration', 'helper.registered'>;
export type TaskPayload = PayloadIn<'tasks', 'task.created'>;

export interface TestHelper {
  id: string;
  token: string;
  payload: HelperPayload;
}

/** A helper as registration's helper.registered event carries them, with a working self-service token. */
export function helper(incidentId: string, overrides: Partial<HelperPayload> = {}): TestHelper {
  const id = randomUUID();
  const token = newOpaqueToken('kh_');
  return {
    id,
    token,
    payload: {
      helperId: id,
      incidentId,
      incidentIds: [incidentId],
      skills: ['first-aid', 'sandbagging'],
      languages: ['de'],
      resources: ['car'],
      area: { postalArea: '010', latitude: 51.05, longitude: 13.74 },
      maxTravelKm: 30,
      maxHoursPerDay: 10,
      availability: [{ from: at(-2), to: at(48) }],
      paused: false,
      tokenHash: hashToken(token),
      ...overrides,
    },
  };
}

/** The site every test task is at unless it names another. */
export const defaultSiteId = '5e1f0c3a-7b2d-4c8e-9f1a-2b3c4d5e6f70';

/** A task event as the task service publishes it (@kathelfer/contracts `taskSnapshotV1`). */
export function task(incidentId: string, overrides: Partial<TaskPayload> = {}): TaskPayload {
  return {
    taskId: randomUUID(),
    incidentId,
    siteId: defaultSiteId,
    status: 'open',
    skills: ['sandbagging'],
    resources: [],
    headcount: 1,
    filledCount: 0,
    priority: 2,
    shift: shift(2, 6),
    location: place(),
    siteCapacity: 1000,
    version: 1,
    ...overrides,
  };
}

export const coordinator = async () => ({ authorization: `Bearer ${await signToken(['coordinator'])}`, 'content-type': 'application/json' });

export async function runRound(url: string, incidentId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/v1/matching/runs`, { method: 'POST', headers: await coordinator(), body: JSON.stringify({ incidentId }) });
  if (response.status !== 200) throw new Error(`round: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Waits until the read model holds these helpers and tasks. */
export async function readModelHas(svc: Running, helperIds: string[], taskIds: string[]): Promise<void> {
  await eventually('the read model to catch up', async () => {
    const [helpers, tasks] = await Promise.all([
      svc.matching.models.Helper.count({ where: { id: helperIds } }),
      svc.matching.models.Task.count({ where: { id: taskIds } }),
    ]);
    return helpers === helperIds.length && tasks === taskIds.length ? true : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100 });
}

export interface StreamEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
}

export async function streamEvents(redis: Redis, stream: string): Promise<StreamEvent[]> {
  const entries = (await redis.xRange(stream, '-', '+')) ?? [];
  return entries.map((e) => ({ id: e.message.id ?? '', type: e.message.type ?? '', payload: JSON.parse(e.message.payload ?? '{}') as Record<string, unknown> }));
}
