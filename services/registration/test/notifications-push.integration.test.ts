import test from 'ava';
import webpush from 'web-push';
import { QueryTypes } from 'sequelize';
import { assignmentChanged, startWithMail, taskCreated } from './support/notifications.js';
import { startPushService } from './support/push-service.js';
import { testEnv } from './support/registration.js';

const vapid = webpush.generateVAPIDKeys();
const pushConsent = { version: '2026-02', purposes: ['coordination', 'notify-push'] };

async function setUp(t: { teardown(fn: () => Promise<void>): void }) {
  const push = await startPushService();
  const env = await startWithMail({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:lagezentrum@example.org' });
  t.teardown(async () => {
    await env.close();
    await push.close();
  });
  const subscribe = (token: string, subscription: unknown) =>
    fetch(`${env.running.url}/v1/helpers/me/push-subscriptions`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(subscription),
    });
  return { push, env, subscribe };
}

test('a proposal reaches a subscribed browser as a payload that decrypts (RFC 8291) to the proposal, signed with the configured VAPID key (RFC 8292)', async (t) => {
  const { push, env, subscribe } = await setUp(t);
  const helper = await env.register({ consent: pushConsent, locale: 'en' });
  const subscription = push.subscribe();
  const subscribed = await subscribe(helper.token, subscription);
  t.is(subscribed.status, 201);
  t.like(await subscribed.json(), { notifications: { push: { consented: true, subscriptions: 1, publicKey: vapid.publicKey } } });

  const task = taskCreated();
  await env.publish('tasks', task);
  const proposed = assignmentChanged('assignment.proposed', { helperId: helper.id, taskId: String(task.payload.taskId) });
  await env.publish('matching', proposed);
  const [message] = await push.waitFor(1);
  const shown = JSON.parse(message?.payload ?? '{}') as { title: string; body: string; url: string };
  t.is(shown.title, 'Shift proposal: Sandsäcke füllen am Elbufer');
  t.regex(shown.body, /Bauhof Dresden/);
  t.regex(shown.url, new RegExp(`#assignment=${String(proposed.payload.assignmentId)}&key=`));
  t.is(message?.vapid.publicKey, vapid.publicKey);
  t.true(message?.vapid.signatureValid, 'the VAPID JWT verifies with the configured public key');
  t.is(message?.vapid.claims.aud, push.origin);
  t.is(message?.vapid.claims.sub, 'mailto:lagezentrum@example.org');
  t.true((message?.vapid.claims.exp ?? 0) * 1000 <= Date.now() + 24 * 3_600_000, 'exp at most 24 h ahead (RFC 8292 section 2)');
  t.is(message?.headers.urgency, 'high');
  // No e-mail consent: no mail, though SMTP is configured.
  t.false(env.mail.mails().some((m) => m.envelope.to.includes(helper.email)));
});

test('a subscription the push service answers 410 Gone for is removed, and the notification dropped', async (t) => {
  const { push, env, subscribe } = await setUp(t);
  const helper = await env.register({ consent: pushConsent });
  const gone = push.subscribe();
  t.is((await subscribe(helper.token, gone)).status, 201);
  push.answer(gone.endpoint, 410);
  const task = taskCreated();
  await env.publish('tasks', task);
  await env.publish('matching', assignmentChanged('assignment.proposed', { helperId: helper.id, taskId: String(task.payload.taskId) }));
  const sql = env.running.registration.sequelize;
  const s = `"${env.running.schema}"`;
  const deadline = Date.now() + 60_000;
  let status: string | undefined;
  while (status !== 'dropped' && Date.now() < deadline) {
    [{ status } = { status: undefined }] = await sql.query<{ status: string }>(`SELECT status FROM ${s}.notifications WHERE kind = 'proposal'`, { type: QueryTypes.SELECT });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.is(status, 'dropped');
  const [left] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.push_subscriptions`, { type: QueryTypes.SELECT });
  t.is(left?.n, 0);
  t.regex(await (await fetch(`${env.running.url}/metrics`)).text(), /push_subscriptions_removed_total\{[^}]*\} 1/);
});

test('subscribing needs consent to notify-push; the switch off removes the subscription', async (t) => {
  const { push, env, subscribe } = await setUp(t);
  const helper = await env.register();
  const subscription = push.subscribe();
  const refused = await subscribe(helper.token, subscription);
  t.is(refused.status, 409);
  t.regex(((await refused.json()) as { detail: string }).detail, /consent/);
  const consented = await fetch(`${env.running.url}/v1/helpers/me`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${helper.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ consent: { version: '2026-02', purposes: ['coordination', 'notify-email', 'notify-push'] } }),
  });
  t.is(consented.status, 200);
  t.is((await subscribe(helper.token, subscription)).status, 201);
  t.is((await subscribe(helper.token, subscription)).status, 200, 'the same subscription again renews it');
  const off = await fetch(`${env.running.url}/v1/helpers/me/push-subscriptions?endpoint=${encodeURIComponent(subscription.endpoint)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${helper.token}` },
  });
  t.is(off.status, 204);
  const me = (await (await fetch(`${env.running.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${helper.token}` } })).json()) as { notifications: { push: { subscriptions: number } } };
  t.is(me.notifications.push.subscriptions, 0);
  // Withdrawing the consent removes every subscription too.
  t.is((await subscribe(helper.token, push.subscribe())).status, 201);
  await fetch(`${env.running.url}/v1/helpers/me`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${helper.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ consent: { version: '2026-02', purposes: ['coordination'] } }),
  });
  const [left] = await env.running.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".push_subscriptions`, { type: QueryTypes.SELECT });
  t.is(left?.n, 0);
});

test('a subscription the browser replaced on its own is renewed with the old one\'s endpoint and auth secret, and the next push goes to the new one', async (t) => {
  const { push, env, subscribe } = await setUp(t);
  const helper = await env.register({ consent: pushConsent, locale: 'en' });
  const old = push.subscribe();
  t.is((await subscribe(helper.token, old)).status, 201);
  const renewed = push.subscribe();
  const renew = (body: unknown) =>
    fetch(`${env.running.url}/v1/push-subscriptions/renewals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  // The endpoint alone (the push service knows it too) is not enough.
  const forged = await renew({ oldEndpoint: old.endpoint, oldAuth: renewed.keys.auth, subscription: renewed });
  t.is(forged.status, 404);
  t.regex(forged.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.is((await renew({ oldEndpoint: old.endpoint, oldAuth: old.keys.auth, subscription: renewed })).status, 204);
  // The old one is gone: a second renewal with it finds nothing.
  t.is((await renew({ oldEndpoint: old.endpoint, oldAuth: old.keys.auth, subscription: renewed })).status, 404);

  const task = taskCreated();
  await env.publish('tasks', task);
  await env.publish('matching', assignmentChanged('assignment.proposed', { helperId: helper.id, taskId: String(task.payload.taskId) }));
  const [message] = await push.waitFor(1);
  t.true(renewed.endpoint.endsWith(`/push/${message?.subscription ?? '?'}`), 'delivered to the renewed subscription, decrypted with its keys');
  t.is((JSON.parse(message?.payload ?? '{}') as { title: string }).title, 'Shift proposal: Sandsäcke füllen am Elbufer');

  // Without consent to notify-push the renewal is refused, like a subscription.
  const withdrawn = await fetch(`${env.running.url}/v1/helpers/me`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${helper.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ consent: { version: '2026-02', purposes: ['coordination'] } }),
  });
  t.is(withdrawn.status, 200);
  t.is((await renew({ oldEndpoint: renewed.endpoint, oldAuth: renewed.keys.auth, subscription: push.subscribe() })).status, 404);
});

test('in production, a push subscription to this machine or an internal address is refused with a field problem, and a push service is accepted', async (t) => {
  const push = await startPushService();
  const { JWT_SECRET: _secret, ...base } = testEnv();
  const production = { ...base, KATHELFER_ENVIRONMENT: 'production', JWT_JWKS_URL: 'https://127.0.0.1:9/certs', JWT_ISSUER: 'https://id.example.org/realms/kathelfer', JWT_AUDIENCE: 'kathelfer' };
  const env = await startWithMail({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey }, production);
  t.teardown(async () => {
    await env.close();
    await push.close();
  });
  const helper = await env.register({ consent: pushConsent });
  const put = (subscription: unknown) =>
    fetch(`${env.running.url}/v1/helpers/me/push-subscriptions`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${helper.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(subscription),
    });
  const loopback = push.subscribe();
  for (const endpoint of [loopback.endpoint, 'https://169.254.169.254/latest', 'https://10.1.2.3/push']) {
    const refused = await put({ ...loopback, endpoint });
    t.is(refused.status, 422, endpoint);
    t.like(((await refused.json()) as { errors: unknown[] }).errors[0], { field: 'body.endpoint', code: 'endpoint.internal' }, endpoint);
  }
  const renewal = await fetch(`${env.running.url}/v1/push-subscriptions/renewals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ oldEndpoint: 'https://fcm.googleapis.com/fcm/send/old', oldAuth: loopback.keys.auth, subscription: { ...loopback, endpoint: 'https://127.0.0.1/push' } }),
  });
  t.is(renewal.status, 422);
  const stored = await env.running.registration.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.running.schema}".push_subscriptions`, { type: QueryTypes.SELECT });
  t.is(stored[0]?.n, 0, 'nothing refused was stored');
  t.is((await put({ ...loopback, endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def' })).status, 201);
});
