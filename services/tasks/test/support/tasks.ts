import { randomUUID } from 'node:crypto';
import { listen, signToken } from '@kathelfer/common/testing/http';
import { serviceTestEnv } from '@kathelfer/common/testing/service-env';
import { pino } from 'pino';
import type { AssignmentStatus, PayloadIn } from '@kathelfer/contracts';
import { contractEntry } from '@kathelfer/common/testing/contract-entry';
import { createTasks, type Tasks } from '../../src/app.js';
import { loadTasksConfig } from '../../src/config.js';

export const testCheckinSecret = 'test-checkin-secret-0123456789-abcdefghij';

export interface Running {
  url: string;
  tasks: Tasks;
  schema: string;
  prefix: string;
  close(): Promise<void>;
}

/** Test environment variables: a unique schema and Redis prefix per call, so files run in parallel. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return serviceTestEnv('tsk', {
    CHECKIN_SECRET: testCheckinSecret,
    DB_POOL_MAX: '5',
    ...overrides,
  });
}

/** A migrated task service listening on a free loopback port; close() drops its schema if `dropSchema`. */
export async function startTasks(env: Record<string, string> = testEnv(), { dropSchema = true, port = 0 } = {}): Promise<Running> {
  const config = loadTasksConfig(env);
  const tasks = createTasks(config, pino({ level: env.LOG_LEVEL ?? 'silent' }));
  await tasks.start();
  const server = await listen(tasks.app, port);
  return {
    url: server.url,
    tasks,
    schema: config.DB_SCHEMA,
    prefix: config.REDIS_PREFIX,
    async close() {
      await server.close();
      if (dropSchema) await tasks.sequelize.query(`DROP SCHEMA IF EXISTS "${config.DB_SCHEMA}" CASCADE`).catch(() => undefined);
      await tasks.close();
    },
  };
}

export const coordinator = (subject = 'coordinator-1') => signToken(['coordinator'], { subject });
export const helper = (helperId: string) => signToken(['helper'], { subject: helperId });

/** fetch with a bearer token and a JSON body. */
export function call(url: string, token: string | undefined, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function ok<T = Record<string, unknown>>(response: Promise<Response>, status = 200): Promise<T> {
  const r = await response;
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

export function siteBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    incidentId: 'flood-2026',
    name: 'Sandsackfüllplatz Bauhof',
    address: { street: 'Am Bauhof 3', postalCode: '01067', city: 'Dresden' },
    coordinates: { latitude: 51.0504, longitude: 13.7373 },
    meetingPoint: 'Tor 2, am Container der Feuerwehr',
    contact: { name: 'Einsatzleiterin Petra Beispiel', phone: '+49 351 1234567' },
    capacity: 40,
    accessNotes: 'Zufahrt nur über die Nordstraße',
    ...overrides,
  };
}

const hour = 3_600_000;

export function taskBody(siteId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    incidentId: 'flood-2026',
    title: 'Sandsäcke füllen',
    description: 'Sandsäcke füllen und auf Paletten stapeln',
    siteId,
    skills: ['sandbagging'],
    resources: ['shovel'],
    headcount: 2,
    shiftStart: new Date(Date.now() - hour).toISOString(),
    shiftEnd: new Date(Date.now() + 5 * hour).toISOString(),
    priority: 2,
    bring: ['Arbeitshandschuhe', 'Gummistiefel'],
    briefing: 'Meldung bei der Einsatzleitung am Container',
    ...overrides,
  };
}

export interface SiteView {
  id: string;
  version: number;
  capacity: number;
}
export interface TaskView {
  id: string;
  version: number;
  status: string;
  filledCount: number;
  headcount: number;
}

type AssignmentEventType = `assignment.${AssignmentStatus}`;
/** An assignment event as the matching service publishes it: the bus event id, its type and the contract's payload. */
export type AssignmentEvent = PayloadIn<'matching', 'assignment.accepted'> & { eventId: string; type: AssignmentEventType };

/** An assignment event as the matching service would publish it. */
export function assignmentEvent(
  type: AssignmentEventType,
  fields: { assignmentId: string; taskId: string; helperId?: string; incidentId?: string; occurredAt?: Date; eventId?: string; shiftStart?: Date; shiftEnd?: Date },
): AssignmentEvent {
  return {
    eventId: fields.eventId ?? randomUUID(),
    type,
    assignmentId: fields.assignmentId,
    taskId: fields.taskId,
    helperId: fields.helperId ?? randomUUID(),
    incidentId: fields.incidentId ?? 'flood-2026',
    status: type.slice('assignment.'.length) as AssignmentStatus,
    shiftStart: (fields.shiftStart ?? new Date(Date.now() - hour)).toISOString(),
    shiftEnd: (fields.shiftEnd ?? new Date(Date.now() + 5 * hour)).toISOString(),
    occurredAt: (fields.occurredAt ?? new Date()).toISOString(),
  };
}

/** The stream entry matching's relay writes for `event`. */
export function toStreamEntry(event: AssignmentEvent): Record<string, string> {
  const { eventId, type, ...payload } = event;
  return contractEntry('matching', type, payload, { id: eventId });
}
