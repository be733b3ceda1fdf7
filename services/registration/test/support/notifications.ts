import { startMailServer, type MailServer } from '@kathelfer/hack/mail-server';
import { createClient } from 'redis';
import { randomUUID } from 'node:crypto';
import type { PayloadIn } from '@kathelfer/contracts';
import { taskEventOf } from '@kathelfer/tasks/views';
import { postJson, startRegistration, testEnv, validBody, type Running } from './registration.js';

export const actionLinkSecret = 'test-action-link-secret-0123456789abcdef';

export interface WithMail {
  running: Running;
  mail: MailServer;
  /** Registers a helper; returns id, token and e-mail address. */
  register(overrides?: Record<string, unknown>): Promise<{ id: string; token: string; email: string }>;
  /** Publishes an event as the producing service's relay writes it (id, type, payload, occurredAt). */
  publish(stream: 'matching' | 'tasks', event: { id: string; type: string; payload: Record<string, unknown> }): Promise<void>;
  /** Publishes `events` in one MULTI, so that the consumer reads them in one batch. */
  publishTogether(stream: 'matching' | 'tasks', events: ReadonlyArray<{ id: string; type: string; payload: Record<string, unknown> }>): Promise<void>;
  close(): Promise<void>;
}

/** Consent to coordination and e-mail notifications (consent text 2026-02). */
export const emailConsent = { version: '2026-02', purposes: ['coordination', 'notify-email'] };

/** A registration service with its own real SMTP server (hack/src/mail-server.ts) and a quick notification worker. */
export async function startWithMail(overrides: Record<string, string> = {}, env?: Record<string, string>): Promise<WithMail> {
  const mail = await startMailServer();
  const base = env ?? testEnv();
  const running = await startRegistration({
    ...base,
    SMTP_URL: mail.smtpUrl,
    PUBLIC_WEB_URL: 'http://127.0.0.1:9/',
    NOTIFY_POLL_MS: '100',
    ACTION_LINK_SECRET: actionLinkSecret,
    ...overrides,
  });
  const redis = createClient({ url: base.REDIS_URL });
  await redis.connect();
  return {
    running,
    mail,
    async register(extra = {}) {
      const body = validBody({ consent: emailConsent, ...extra });
      const response = await postJson(`${running.url}/v1/helpers`, body);
      if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
      const created = (await response.json()) as { id: string; token: string };
      return { ...created, email: (body.contact as { email?: string }).email ?? '' };
    },
    async publish(stream, event) {
      await redis.xAdd(`${running.prefix}events:${stream}`, '*', entryOf(event));
    },
    async publishTogether(stream, events) {
      const multi = redis.multi();
      for (const event of events) multi.xAdd(`${running.prefix}events:${stream}`, '*', entryOf(event));
      await multi.exec();
    },
    async close() {
      await running.close();
      await redis.quit();
      await mail.close();
    },
  };
}

const entryOf = (event: { id: string; type: string; payload: Record<string, unknown> }) => ({
  id: event.id,
  type: event.type,
  payload: JSON.stringify(event.payload),
  occurredAt: new Date().toISOString(),
});

const hour = 3_600_000;

/** A task as the task service publishes it (its own `taskEventOf`), with its brief. */
export function taskCreated(overrides: { taskId?: string; shiftStart?: Date; shiftEnd?: Date; version?: number; siteName?: string; type?: string } = {}) {
  const start = overrides.shiftStart ?? new Date(Date.now() + 26 * hour);
  const taskId = overrides.taskId ?? randomUUID();
  const siteId = '0c6a2c7e-1f0e-4b7e-9a4a-5d1e2f3a4b5c';
  const payload = taskEventOf(
    {
      id: taskId, incidentId: 'flood-2026', siteId, status: 'open', skills: ['sandbagging'], resources: [], headcount: 4, filledCount: 0, priority: 1,
      shiftStart: start, shiftEnd: overrides.shiftEnd ?? new Date(start.getTime() + 4 * hour), postalArea: '010', latitude: 51.05, longitude: 13.74,
      version: overrides.version ?? 1, title: 'Sandsäcke füllen am Elbufer', bring: ['Arbeitshandschuhe', 'Gummistiefel'],
    } as never,
    { id: siteId, capacity: 40, name: 'Bauhof Dresden', street: 'Hafenstraße 3', postalCode: '01067', city: 'Dresden', meetingPoint: 'Tor 2, beim Container' },
  );
  return { id: randomUUID(), type: overrides.type ?? 'task.created', payload: payload as unknown as Record<string, unknown> };
}

type AssignmentEventType = 'assignment.proposed' | 'assignment.accepted' | 'assignment.declined' | 'assignment.expired' | 'assignment.cancelled';

/** An assignment event as matching publishes it, typed by its contract (@kathelfer/contracts assignmentChangedV1). */
export function assignmentChanged(
  type: AssignmentEventType,
  a: { helperId: string; taskId: string; assignmentId?: string; shiftStart?: Date; shiftEnd?: Date; reason?: string; expiresAt?: Date },
) {
  const shiftStart = a.shiftStart ?? new Date(Date.now() + 26 * hour);
  const payload: PayloadIn<'matching', 'assignment.proposed'> = {
    assignmentId: a.assignmentId ?? randomUUID(),
    taskId: a.taskId,
    helperId: a.helperId,
    incidentId: 'flood-2026',
    status: type.replace('assignment.', '') as PayloadIn<'matching', 'assignment.proposed'>['status'],
    shiftStart: shiftStart.toISOString(),
    shiftEnd: (a.shiftEnd ?? new Date(shiftStart.getTime() + 4 * hour)).toISOString(),
    expiresAt: (a.expiresAt ?? new Date(Date.now() + hour)).toISOString(),
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    occurredAt: new Date().toISOString(),
  };
  return { id: randomUUID(), type, payload: payload as unknown as Record<string, unknown> };
}
