import { isActionKey } from '@kathelfer/common/action-link';
import test from 'ava';
import { pino } from 'pino';
import { createRegistration } from '../src/app.js';
import { loadRegistrationConfig } from '../src/config.js';
import { QueryTypes } from 'sequelize';
import { postJson, validBody } from './support/registration.js';
import { actionLinkSecret, assignmentChanged, startWithMail, taskCreated } from './support/notifications.js';

const linkIn = (text: string, pattern: RegExp): string => {
  const found = pattern.exec(text)?.[0];
  if (found === undefined) throw new Error(`no link matching ${String(pattern)} in:\n${text}`);
  return found;
};

test('a helper who opts into e-mail gets the confirmation in their language, with a text and an HTML part and a personal link that opens their data', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  const helper = await env.register({ locale: 'en' });

  const mail = await env.mail.waitFor((m) => m.envelope.to.includes(helper.email));
  t.is(mail.subject, 'Your registration as a volunteer');
  t.regex(mail.from, /Kathelfer/);
  t.is(mail.to, helper.email);
  t.regex(mail.headers['content-type'] ?? '', /multipart\/alternative/);
  t.truthy(mail.headers['message-id']);
  const textLink = linkIn(mail.text, /http:\/\/127\.0\.0\.1:9\/me\.html#token=\S+/);
  t.true(mail.html.includes(`href="${textLink}"`), 'the HTML part links to the same page');
  t.regex(mail.html, /<html lang="en">/);
  // The link's token is the helper's own: it opens their data.
  const token = new URLSearchParams(new URL(textLink).hash.slice(1)).get('token') ?? '';
  const me = await fetch(`${env.running.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${token}` } });
  t.is(me.status, 200);
  t.like(await me.json(), { helperId: helper.id, locale: 'en', notifications: { email: true } });

  // The delivery log keeps no body (the token went with it), and the read of the address is logged.
  const s = `"${env.running.schema}"`;
  const rows = await env.running.registration.sequelize.query<{ status: string; data: unknown; kind: string }>(`SELECT status, data, kind FROM ${s}.notifications WHERE helper_id = $1`, { bind: [helper.id], type: QueryTypes.SELECT });
  t.deepEqual(rows, [{ status: 'sent', data: null, kind: 'registration-confirmed' }]);
  const access = await env.running.registration.sequelize.query<{ subject: string; reason: string }>(`SELECT subject, reason FROM ${s}.contact_access_log WHERE helper_id = $1`, { bind: [helper.id], type: QueryTypes.SELECT });
  t.deepEqual(access, [{ subject: 'system:notifications', reason: 'notification: registration-confirmed/email' }]);
});

test('without consent to notify-email nobody is mailed; consent to it needs the 2026-02 text', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  const silent = await env.register({ consent: { version: '2026-02', purposes: ['coordination'] } });
  const old = await postJson(`${env.running.url}/v1/helpers`, validBody({ consent: { version: '2026-01', purposes: ['coordination', 'notify-email'] } }));
  t.is(old.status, 422);
  t.regex(JSON.stringify(await old.json()), /needs the consent text 2026-02/);
  // A later helper's mail arriving shows the worker has passed the first one by.
  const later = await env.register();
  await env.mail.waitFor((m) => m.envelope.to.includes(later.email));
  const task = taskCreated();
  await env.publish('tasks', task);
  await env.publish('matching', assignmentChanged('assignment.proposed', { helperId: silent.id, taskId: String(task.payload.taskId) }));
  await env.publish('matching', assignmentChanged('assignment.proposed', { helperId: later.id, taskId: String(task.payload.taskId) }));
  await env.mail.waitFor((m) => m.envelope.to.includes(later.email) && m.subject.startsWith('Einsatzvorschlag'));
  t.false(env.mail.mails().some((m) => m.envelope.to.includes(silent.email)));
  const [row] = await env.running.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".notifications WHERE helper_id = $1`, { bind: [silent.id], type: QueryTypes.SELECT });
  t.is(row?.n, 0);
});

test('a proposal mail says what, where, when, what to bring and until when to answer, and carries an accept link for this proposal only', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  const helper = await env.register();
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email));
  const start = new Date('2026-12-05T07:00:00Z');
  const task = taskCreated({ shiftStart: start });
  await env.publish('tasks', task);
  const proposed = assignmentChanged('assignment.proposed', { helperId: helper.id, taskId: String(task.payload.taskId), shiftStart: start, expiresAt: new Date('2026-12-04T18:30:00Z') });
  await env.publish('matching', proposed);

  const mail = await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Einsatzvorschlag'));
  t.is(mail.subject, 'Einsatzvorschlag: Sandsäcke füllen am Elbufer');
  for (const fact of ['Was: Sandsäcke füllen am Elbufer', 'Wo: Bauhof Dresden, Hafenstraße 3, 01067 Dresden', 'Treffpunkt: Tor 2, beim Container', 'Bitte mitbringen: Arbeitshandschuhe, Gummistiefel']) {
    t.true(mail.text.includes(fact), fact);
  }
  t.true(mail.text.includes('Wann: Samstag, 5. Dezember 2026 um 08:00 – 12:00 Uhr') || mail.text.includes('Wann: Samstag, 5. Dezember 2026, 08:00 – 12:00 Uhr'), mail.text);
  t.regex(mail.text, /Antwort bis: Freitag, 4\. Dezember 2026,? (um )?19:30/);
  const link = new URL(linkIn(mail.text, /http:\/\/127\.0\.0\.1:9\/me\.html#assignment=\S+/));
  const params = new URLSearchParams(link.hash.slice(1));
  t.is(params.get('assignment'), String(proposed.payload.assignmentId));
  t.true(isActionKey(actionLinkSecret, String(proposed.payload.assignmentId), helper.id, params.get('key') ?? ''));
  t.false(isActionKey(actionLinkSecret, 'another-assignment', helper.id, params.get('key') ?? ''));
  t.true(mail.html.includes('<dt style="font-weight:bold;margin-top:0.5em">Bitte mitbringen</dt>'));
});

test('an event delivered again and again, to two replicas, gives one notification per helper and channel', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  // A second replica: the same schema, Redis prefix and SMTP server, another consumer name.
  const second = createRegistration(loadRegistrationConfig({ ...envOf(env), CONSUMER_NAME: 'replica-2' }), pino({ level: 'silent' }));
  await second.start();
  t.teardown(() => second.close());
  const helper = await env.register();
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email));
  const task = taskCreated();
  await env.publish('tasks', task);
  const proposed = assignmentChanged('assignment.proposed', { helperId: helper.id, taskId: String(task.payload.taskId) });
  for (let i = 0; i < 5; i++) await env.publish('matching', proposed);
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Einsatzvorschlag'));
  // A later event of the same helper arriving means every copy before it was handled.
  const marker = assignmentChanged('assignment.cancelled', { helperId: helper.id, taskId: String(task.payload.taskId), assignmentId: String(proposed.payload.assignmentId), reason: 'coordinator' });
  await env.publish('matching', marker);
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Einsatz entfällt'));
  const proposals = await Promise.all(env.mail.mails().map((m) => env.mail.read(m)));
  t.is(proposals.filter((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Einsatzvorschlag')).length, 1);
  const [row] = await env.running.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".notifications WHERE source_id = $1`, { bind: [proposed.id], type: QueryTypes.SELECT });
  t.is(row?.n, 1);
});

/** The environment `env`'s service was started with, for a second replica of it. */
function envOf(env: Awaited<ReturnType<typeof startWithMail>>): Record<string, string> {
  const c = env.running.registration.config;
  return {
    DATABASE_URL: c.DATABASE_URL, REDIS_URL: c.REDIS_URL, DB_SCHEMA: c.DB_SCHEMA, REDIS_PREFIX: c.REDIS_PREFIX, JWT_SECRET: c.JWT_SECRET ?? '',
    SMTP_URL: c.SMTP_URL ?? '', PUBLIC_WEB_URL: c.PUBLIC_WEB_URL ?? '', NOTIFY_POLL_MS: '100', ACTION_LINK_SECRET: actionLinkSecret, LOG_LEVEL: 'silent',
  };
}

test('withdrawn proposals and cancelled tasks are told, a helper withdrawing themselves is not', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  const helper = await env.register({ locale: 'en' });
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email));
  const task = taskCreated();
  await env.publish('tasks', task);
  const taskId = String(task.payload.taskId);
  await env.publish('matching', assignmentChanged('assignment.cancelled', { helperId: helper.id, taskId, reason: 'helper-withdrew' }));
  await env.publish('matching', assignmentChanged('assignment.cancelled', { helperId: helper.id, taskId, reason: 'task-cancelled' }));
  const mail = await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Shift called off'));
  t.true(mail.text.includes('The task was cancelled.'));
  t.is(env.mail.mails().filter((m) => m.envelope.to.includes(helper.email)).length, 2, 'the confirmation and one call-off');
});

test('an acceptance schedules the reminder at the configured lead time; a changed shift is told and moves it; a cancellation removes it', async (t) => {
  const env = await startWithMail({ NOTIFY_REMINDER_LEAD_MINUTES: '60' });
  t.teardown(() => env.close());
  const helper = await env.register();
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email));
  const start = new Date(Date.now() + 5 * 3_600_000);
  const task = taskCreated({ shiftStart: start });
  await env.publish('tasks', task);
  const taskId = String(task.payload.taskId);
  const accepted = assignmentChanged('assignment.accepted', { helperId: helper.id, taskId, shiftStart: start });
  await env.publish('matching', accepted);
  const sql = env.running.registration.sequelize;
  const reminderDue = async () => {
    const [row] = await sql.query<{ due_at: Date; status: string }>(`SELECT due_at, status FROM "${env.running.schema}".notifications WHERE kind = 'reminder' AND helper_id = $1`, { bind: [helper.id], type: QueryTypes.SELECT });
    return row;
  };
  await waitUntil(async () => (await reminderDue()) !== undefined);
  t.is((await reminderDue())?.due_at.getTime(), start.getTime() - 3_600_000);

  // The shift moves an hour later: the helper hears of it, and the reminder moves along.
  const later = new Date(start.getTime() + 3_600_000);
  const moved = taskCreated({ taskId, shiftStart: later, version: 2, type: 'task.updated' });
  await env.publish('tasks', moved);
  const changed = await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Einsatz geändert'));
  t.true(changed.text.includes('Wann:'));
  await waitUntil(async () => (await reminderDue())?.due_at.getTime() === later.getTime() - 3_600_000);

  await env.publish('matching', assignmentChanged('assignment.cancelled', { helperId: helper.id, taskId, assignmentId: String(accepted.payload.assignmentId), reason: 'coordinator', shiftStart: later }));
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Einsatz entfällt'));
  t.is(await reminderDue(), undefined);
});

test('events of one assignment in one consumed batch apply in their order: proposed, accepted and called off tells twice and leaves no reminder', async (t) => {
  const env = await startWithMail({ NOTIFY_REMINDER_LEAD_MINUTES: '60' });
  t.teardown(() => env.close());
  const [helper, other] = [await env.register({ locale: 'en' }), await env.register({ locale: 'en' })];
  const task = taskCreated();
  await env.publish('tasks', task);
  const taskId = String(task.payload.taskId);
  const proposed = assignmentChanged('assignment.proposed', { helperId: helper.id, taskId });
  const assignmentId = String(proposed.payload.assignmentId);
  const otherProposed = assignmentChanged('assignment.proposed', { helperId: other.id, taskId });
  await env.publishTogether('matching', [
    proposed,
    otherProposed,
    assignmentChanged('assignment.accepted', { helperId: helper.id, taskId, assignmentId }),
    assignmentChanged('assignment.cancelled', { helperId: helper.id, taskId, assignmentId, reason: 'coordinator' }),
    // the same proposal again, redelivered inside the same batch
    otherProposed,
  ]);
  await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Shift called off'));
  await env.mail.waitFor((m) => m.envelope.to.includes(other.email) && m.subject.startsWith('Shift proposal'));
  const sql = env.running.registration.sequelize;
  const kinds = await sql.query<{ helper_id: string; kind: string }>(
    `SELECT helper_id, kind FROM "${env.running.schema}".notifications WHERE kind <> 'registration-confirmed' ORDER BY id`,
    { type: QueryTypes.SELECT },
  );
  t.deepEqual(kinds.filter((k) => k.helper_id === helper.id).map((k) => k.kind), ['proposal', 'withdrawn'], 'the reminder the acceptance queued went with the cancellation');
  t.deepEqual(kinds.filter((k) => k.helper_id === other.id).map((k) => k.kind), ['proposal'], 'the repeated proposal once');
  const [assignment] = await sql.query<{ status: string }>(`SELECT status FROM "${env.running.schema}".notification_assignments WHERE assignment_id = $1`, { bind: [assignmentId], type: QueryTypes.SELECT });
  t.is(assignment?.status, 'cancelled');
});

test('a reminder whose time has come is sent', async (t) => {
  const env = await startWithMail({ NOTIFY_REMINDER_LEAD_MINUTES: '120' });
  t.teardown(() => env.close());
  const helper = await env.register({ locale: 'en' });
  const start = new Date(Date.now() + 3_600_000);
  const task = taskCreated({ shiftStart: start });
  await env.publish('tasks', task);
  await env.publish('matching', assignmentChanged('assignment.accepted', { helperId: helper.id, taskId: String(task.payload.taskId), shiftStart: start }));
  const mail = await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('Reminder: Sandsäcke'));
  t.true(mail.text.includes('Please bring: Arbeitshandschuhe, Gummistiefel'));
});

test('a re-plan storm reaches a helper at most NOTIFY_MAX_PER_HOUR times an hour; the rest is recorded as suppressed', async (t) => {
  const env = await startWithMail({ NOTIFY_MAX_PER_HOUR: '3' });
  t.teardown(() => env.close());
  const helper = await env.register();
  const task = taskCreated();
  await env.publish('tasks', task);
  for (let i = 0; i < 8; i++) await env.publish('matching', assignmentChanged('assignment.proposed', { helperId: helper.id, taskId: String(task.payload.taskId) }));
  const sql = env.running.registration.sequelize;
  await waitUntil(async () => {
    const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".notifications WHERE kind = 'proposal'`, { type: QueryTypes.SELECT });
    return row?.n === 8;
  });
  const rows = await sql.query<{ status: string; n: number }>(`SELECT CASE WHEN status = 'suppressed' THEN 'suppressed' ELSE 'kept' END AS status, count(*)::int AS n FROM "${env.running.schema}".notifications WHERE kind = 'proposal' GROUP BY 1 ORDER BY 1`, { type: QueryTypes.SELECT });
  t.deepEqual(rows, [{ status: 'kept', n: 3 }, { status: 'suppressed', n: 5 }]);
  await env.mail.waitForCount(4);
  const metrics = await (await fetch(`${env.running.url}/metrics`)).text();
  t.regex(metrics, /notifications_suppressed_total\{kind="proposal"[^}]*\} 5/);
});

test('a temporary SMTP error is retried with backoff; a permanent one is dead-lettered with a metric', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  env.mail.failNext(2, 451);
  const patient = await env.register();
  await env.mail.waitFor((m) => m.envelope.to.includes(patient.email));
  const sql = env.running.registration.sequelize;
  const delivery = async () =>
    (await sql.query<{ attempts: number; status: string }>(`SELECT attempts, status FROM "${env.running.schema}".notifications WHERE helper_id = $1`, { bind: [patient.id], type: QueryTypes.SELECT }))[0];
  // the mail is accepted a moment before the worker records it
  await waitUntil(async () => (await delivery())?.status === 'sent');
  t.deepEqual(await delivery(), { attempts: 3, status: 'sent' });

  env.mail.failNext(1, 550);
  const refused = await env.register();
  await waitUntil(async () => {
    const [dead] = await sql.query<{ status: string }>(`SELECT status FROM "${env.running.schema}".notifications WHERE helper_id = $1`, { bind: [refused.id], type: QueryTypes.SELECT });
    return dead?.status === 'dead';
  });
  const [dead] = await sql.query<{ error: string; data: unknown }>(`SELECT error, data FROM "${env.running.schema}".notifications WHERE helper_id = $1`, { bind: [refused.id], type: QueryTypes.SELECT });
  t.deepEqual(dead, { error: 'smtp-550', data: null });
  const metrics = await (await fetch(`${env.running.url}/metrics`)).text();
  t.regex(metrics, /notifications_dead_letter_total\{channel="email",kind="registration-confirmed",code="smtp-550"[^}]*\} 1/);
  t.regex(metrics, /notifications_retries_total\{channel="email",code="smtp-451"[^}]*\} 2/);
});

test('erasure removes queued messages and push subscriptions and leaves the delivery log without who it was for', async (t) => {
  // No SMTP server reachable: everything stays queued.
  const env = await startWithMail({ SMTP_URL: 'smtp://127.0.0.1:9', NOTIFY_POLL_MS: '60000' });
  t.teardown(() => env.close());
  const helper = await env.register({ consent: { version: '2026-02', purposes: ['coordination', 'notify-email', 'notify-push'] } });
  const sql = env.running.registration.sequelize;
  const s = `"${env.running.schema}"`;
  await sql.query(`INSERT INTO ${s}.push_subscriptions (helper_id, endpoint, p256dh, auth) VALUES ($1, 'https://push.example/1', 'k', 'a')`, { bind: [helper.id] });
  await sql.query(`INSERT INTO ${s}.notifications (source_id, helper_id, channel, kind, status, data, error) VALUES ('old', $1, 'email', 'proposal', 'sent', NULL, NULL)`, { bind: [helper.id] });
  const erased = await fetch(`${env.running.url}/v1/helpers/me`, { method: 'DELETE', headers: { authorization: `Bearer ${helper.token}` } });
  t.is(erased.status, 204);
  const left = await sql.query<{ helper_id: string | null; status: string }>(`SELECT helper_id, status FROM ${s}.notifications ORDER BY id`, { type: QueryTypes.SELECT });
  t.deepEqual(left, [{ helper_id: null, status: 'sent' }], 'the queued confirmation is gone, the sent row has no helper');
  const [subs] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.push_subscriptions`, { type: QueryTypes.SELECT });
  t.is(subs?.n, 0);
});

test('withdrawing consent to e-mail deletes what is queued for it', async (t) => {
  const env = await startWithMail({ SMTP_URL: 'smtp://127.0.0.1:9', NOTIFY_POLL_MS: '60000' });
  t.teardown(() => env.close());
  const helper = await env.register();
  const sql = env.running.registration.sequelize;
  const count = async () => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".notifications WHERE helper_id = $1`, { bind: [helper.id], type: QueryTypes.SELECT }))[0]?.n;
  t.is(await count(), 1);
  const patched = await fetch(`${env.running.url}/v1/helpers/me`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${helper.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ consent: { version: '2026-02', purposes: ['coordination'] } }),
  });
  t.is(patched.status, 200);
  t.like(await patched.json(), { notifications: { email: false } });
  t.is(await count(), 0);
});

test('the end of an incident thanks its helpers once and says when their data goes', async (t) => {
  const env = await startWithMail();
  t.teardown(() => env.close());
  const helper = await env.register({ incidentId: 'flut-2026-ende', locale: 'en' });
  const { signToken } = await import('@kathelfer/common/testing/http');
  const authority = await signToken(['authority']);
  for (let i = 0; i < 2; i++) {
    const put = await fetch(`${env.running.url}/v1/incidents/flut-2026-ende`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${authority}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endedAt: new Date().toISOString() }),
    });
    t.is(put.status, 204);
  }
  const mail = await env.mail.waitFor((m) => m.envelope.to.includes(helper.email) && m.subject.startsWith('The incident flut-2026-ende has ended'));
  t.true(mail.text.includes('Your data is deleted 30 days after the end'));
  const [row] = await env.running.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".notifications WHERE kind = 'incident-ended'`, { type: QueryTypes.SELECT });
  t.is(row?.n, 1);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
