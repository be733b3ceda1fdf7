import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import test from 'ava';
import { eventually, uniqueName } from '@kathelfer/hack/test-env';
import { startMailServer, type MailServer } from '@kathelfer/hack/mail-server';
import { renderNotification, type NotificationData } from '@kathelfer/registration/notifications/templates';
import { siteBody, taskBody } from '@kathelfer/tasks/testing/tasks';
import type { BrowserContext } from 'playwright-core';
import webpush from 'web-push';
import { accessibilityProblems, asCoordinator, launchBrowser, localInput, matchingKnows, phonePage, screenshot, startPlatform, type Platform } from './support/platform.js';

// Issue 17 in the browser: a helper registered through the page gets the confirmation mail from a
// real SMTP server and its link opens their page; after a matching round the proposal mail's
// accept link accepts in the browser; the mails' HTML passes axe-core; the push switch and the
// service worker's display code as far as headless Chromium goes (it reaches no push service).
let platform: Platform;
let mail: MailServer;
let browser: { context: BrowserContext; close(): Promise<void> };
const hour = 3_600_000;
const vapid = webpush.generateVAPIDKeys();
const actionLinkSecret = 'web-test-action-link-secret-0123456789abcdef';

test.before(async () => {
  mail = await startMailServer();
  [platform, browser] = await Promise.all([
    startPlatform(undefined, {
      registration: { SMTP_URL: mail.smtpUrl, NOTIFY_POLL_MS: '100', ACTION_LINK_SECRET: actionLinkSecret, VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey },
      matching: { ACTION_LINK_SECRET: actionLinkSecret },
    }),
    launchBrowser(),
  ]);
  await browser.context.grantPermissions(['geolocation', 'notifications'], { origin: platform.registration.url });
  await browser.context.setGeolocation({ latitude: 51.0504, longitude: 13.7373 });
});
test.after.always(async () => {
  await browser?.close();
  await platform?.close();
  await mail?.close();
});

test.serial('registered through the page, a helper gets the confirmation mail whose link opens their page, and the proposal mail whose accept link accepts', async (t) => {
  const errors: string[] = [];
  const incident = uniqueName('web-notify');
  const email = `${incident}@example.org`;
  const page = await phonePage(browser.context, errors);
  await page.goto(`${platform.registration.url}/?incident=${incident}`);
  await page.getByLabel('Name', { exact: true }).fill('Berta Beispiel');
  await page.getByLabel('E-Mail', { exact: true }).fill(email);
  await page.getByLabel('Postleitzahl').fill('01067');
  await page.getByRole('button', { name: 'Meinen Standort verwenden' }).click();
  await page.getByText('Standort übernommen.').waitFor();
  await page.getByLabel('Sandsäcke füllen').check();
  await page.getByLabel('Von', { exact: true }).fill(localInput(new Date(Date.now() - hour)));
  await page.getByLabel('Bis', { exact: true }).fill(localInput(new Date(Date.now() + 12 * hour)));
  await page.getByLabel('Ich bin mindestens 18 Jahre alt.').check();
  await page.getByLabel(/^Ich willige ein/).check();
  await page.getByLabel(/^Schickt mir E-Mails/).check();
  await page.getByRole('button', { name: 'Registrieren' }).click();
  await page.getByRole('heading', { name: 'Danke – Sie sind registriert' }).waitFor();

  const confirmation = await mail.waitFor((m) => m.envelope.to.includes(email));
  t.is(confirmation.subject, 'Ihre Anmeldung als Helferin oder Helfer');
  const link = /http:\/\/127\.0\.0\.1:\d+\/me\.html#token=\S+/.exec(confirmation.text)?.[0] ?? '';
  t.true(confirmation.html.includes(`href="${link}"`));
  await page.goto(link);
  await page.getByText('Hallo Berta Beispiel').waitFor();
  t.true(await page.locator('#notify-email').isChecked(), 'the e-mail switch shows the consent given at registration');
  await screenshot(page, '20-self-service-notifications');

  // A task and a round: the proposal mail arrives, its accept link answers without the personal link.
  const token = decodeURIComponent(link.split('#token=')[1] ?? '');
  const site = await asCoordinator<{ id: string }>(`${platform.tasks.url}/v1/sites`, 'POST', siteBody({ incidentId: incident, coordinates: { latitude: 51.06, longitude: 13.75 } }), 201);
  const task = await asCoordinator<{ id: string }>(
    `${platform.tasks.url}/v1/tasks`,
    'POST',
    taskBody(site.id, { incidentId: incident, headcount: 1, priority: 1, skills: ['sandbagging'], resources: [], shiftStart: new Date(Date.now() + hour).toISOString(), shiftEnd: new Date(Date.now() + 3 * hour).toISOString() }),
    201,
  );
  await matchingKnows(platform, token, task.id);
  t.like(await asCoordinator(`${platform.matching.url}/v1/matching/runs`, 'POST', { incidentId: incident }), { proposed: 1 });
  const proposal = await mail.waitFor((m) => m.envelope.to.includes(email) && m.subject.startsWith('Einsatzvorschlag'));
  t.regex(proposal.text, /Treffpunkt: /);
  t.regex(proposal.text, /Antwort bis: /);
  const accept = /http:\/\/127\.0\.0\.1:\d+\/me\.html#assignment=\S+/.exec(proposal.text)?.[0] ?? '';
  const fresh = await browser.context.newPage();
  await fresh.goto(accept);
  await fresh.getByRole('heading', { name: 'Einsatzvorschlag beantworten' }).waitFor();
  await fresh.getByRole('button', { name: 'Zusagen' }).click();
  await fresh.getByText('Danke! Sie haben zugesagt.').waitFor();
  await screenshot(fresh, '21-accept-link-accepted');
  const mine = (await (await fetch(`${platform.matching.url}/v1/assignments/mine`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ status: string }> };
  t.is(mine.items[0]?.status, 'accepted');
  t.deepEqual(errors, []);
});

test.serial('the push switch registers the service worker and asks for permission; headless Chromium reaches no push service, which the page says', async (t) => {
  const errors: string[] = [];
  const incident = uniqueName('web-push');
  const registered = await fetch(`${platform.registration.url}/v1/helpers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      incidentId: incident, name: 'Carla Push', contact: { phone: '+4915199887766' }, location: { postalCode: '01067' }, maxTravelKm: 20, skills: ['sandbagging'],
      availability: [{ from: new Date().toISOString(), to: new Date(Date.now() + 10 * hour).toISOString() }], maxHoursPerDay: 8, adultConfirmed: true,
      consent: { version: '2026-02', purposes: ['coordination'] },
    }),
  });
  const { token } = (await registered.json()) as { token: string };
  const page = await phonePage(browser.context, errors);
  await page.goto(`${platform.registration.url}/me.html#token=${token}`);
  await page.getByText('Hallo Carla Push').waitFor();
  t.true(await page.locator('#notify-email').isDisabled(), 'no e-mail address: the e-mail switch cannot be turned on');
  await page.getByLabel('Als Push-Nachricht auf diesem Gerät').check();
  const status = page.locator('#notify-status');
  await status.filter({ hasText: /Push/ }).waitFor();
  // Chromium's push service (Google's) is unreachable here, so subscribe() fails: the page says
  // so, leaves the switch off, and has asked for the permission and registered the worker.
  const said = await status.innerText();
  t.true(said === 'Push-Nachrichten ließen sich auf diesem Gerät nicht einrichten.' || said === 'Push-Nachrichten sind auf diesem Gerät eingeschaltet.', said);
  if (said.includes('nicht einrichten')) t.false(await page.locator('#notify-push').isChecked());
  t.is(await page.evaluate(() => Notification.permission), 'granted');
  t.is(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL ?? (await navigator.serviceWorker.ready).active?.scriptURL), `${platform.registration.url}/sw.js`);
  const me = (await (await fetch(`${platform.registration.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { consent: { purposes: string[] } };
  t.true(me.consent.purposes.includes('notify-push'), 'switching on gave the consent');
  t.deepEqual(errors, []);
});

test.serial("the service worker shows a push message's title and body and keeps its link (delivered through the DevTools protocol)", async (t) => {
  const page = await browser.context.newPage();
  await page.goto(`${platform.registration.url}/me.html`);
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
  });
  const cdp = await browser.context.newCDPSession(page);
  // What the worker went through, for the failure message: a delivery to a worker that is not
  // running is started by Chromium first, and under CI load that start can be slow.
  const versions: string[] = [];
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }: { versions: Array<{ runningStatus: string; status: string }> }) => {
    for (const v of updated) versions.push(`${v.status}/${v.runningStatus}`);
  });
  const registrationId = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
      const found = registrations.find((r) => r.scopeURL === `${platform.registration.url}/` && !r.isDeleted);
      if (found !== undefined) resolve(found.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const payload = { title: 'Einsatzvorschlag: Deich sichern', body: 'Bitte antworten · Bauhof Dresden', url: 'me.html#assignment=a1&key=k1' };
  const deliver = async (): Promise<void> => {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: platform.registration.url, registrationId: await registrationId, data: JSON.stringify(payload) });
  };
  const notifications = async (): Promise<Array<{ title: string; body: string; data: unknown }> | undefined> => {
    const list = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, data: n.data as unknown })));
    return list.length > 0 ? list : undefined;
  };
  await deliver();
  // DevTools' delivery answers before the push event runs and reports nothing if it is dropped
  // (CI run of 2026-11-30: nothing shown within 10 s, not reproduced in 7 runs since). One more
  // delivery tells a dropped test message from a worker that shows nothing; the wait is an upper
  // bound for arrival on a loaded machine, not a timing claim.
  let shown = await eventually('the notification to be shown', notifications, { timeoutMs: 15_000, intervalMs: 200 }).catch(() => undefined);
  if (shown === undefined) {
    t.log(`nothing shown 15 s after the first delivery (worker states: ${versions.join(', ') || 'none reported'}); delivering again`);
    await deliver();
    shown = await eventually(`the notification to be shown (worker states: ${versions.join(', ')})`, notifications, { timeoutMs: 30_000, intervalMs: 200 });
  }
  t.deepEqual(shown[0], { title: payload.title, body: payload.body, data: { url: payload.url } });
});

test.serial('the service worker hands a subscription the browser replaced to registration, proving the old one with its auth secret', async (t) => {
  // A subscription as a browser makes it: an endpoint, a P-256 public key and a 16-byte auth secret.
  const subscriptionOf = (name: string) => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return { endpoint: `http://127.0.0.1:9/push/${name}-${randomUUID()}`, expirationTime: null, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') } };
  };
  const registered = await fetch(`${platform.registration.url}/v1/helpers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      incidentId: uniqueName('renew'), name: 'Dana Renew', contact: { phone: '+4915199887755' }, location: { postalCode: '01067' }, maxTravelKm: 20, skills: ['sandbagging'],
      availability: [{ from: new Date().toISOString(), to: new Date(Date.now() + 10 * hour).toISOString() }], maxHoursPerDay: 8, adultConfirmed: true,
      consent: { version: '2026-02', purposes: ['coordination', 'notify-push'] },
    }),
  });
  t.is(registered.status, 201);
  const { token } = (await registered.json()) as { token: string };
  const old = subscriptionOf('old');
  const put = await fetch(`${platform.registration.url}/v1/helpers/me/push-subscriptions`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(old) });
  t.is(put.status, 201);

  const page = await browser.context.newPage();
  await page.goto(`${platform.registration.url}/me.html`);
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
  });
  const worker = browser.context.serviceWorkers().find((w) => w.url() === `${platform.registration.url}/sw.js`) ?? (await browser.context.waitForEvent('serviceworker'));
  // Headless Chromium here reaches no push service, so it can neither make a real subscription nor
  // fire pushsubscriptionchange; the worker's handler is called with what the event would carry:
  // objects with the PushSubscription members it reads (endpoint, toJSON()).
  const renewed = subscriptionOf('renewed');
  // A string, not a function: the test's transpiler would wrap a function in a helper the worker lacks.
  const asSubscription = (json: typeof old) => `{ endpoint: ${JSON.stringify(json.endpoint)}, toJSON() { return ${JSON.stringify(json)}; } }`;
  const outcome = await worker.evaluate<string>(`renewSubscription(${asSubscription(old)}, ${asSubscription(renewed)}).then(() => 'renewed', (error) => String(error))`);
  t.is(outcome, 'renewed');
  const renew = (oldOne: typeof old, next: typeof old) =>
    fetch(`${platform.registration.url}/v1/push-subscriptions/renewals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ oldEndpoint: oldOne.endpoint, oldAuth: oldOne.keys.auth, subscription: next }),
    });
  t.is((await renew(old, subscriptionOf('again'))).status, 404, 'the old subscription is gone');
  t.is((await renew(renewed, subscriptionOf('next'))).status, 204, 'the renewed one is stored, with its auth secret');
  const me = (await (await fetch(`${platform.registration.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { notifications: { push: { subscriptions: number } } };
  t.is(me.notifications.push.subscriptions, 1);
});

test('every notification mail, German and English, passes axe-core (WCAG 2.1 A/AA) in Chromium', async (t) => {
  const task = { title: 'Sandsäcke füllen', bring: ['Handschuhe'], site: { name: 'Bauhof', address: { street: 'Hafenstraße 3', postalCode: '01067', city: 'Dresden' }, meetingPoint: 'Tor 2' } };
  const shift = { task, shiftStart: '2026-12-05T07:00:00Z', shiftEnd: '2026-12-05T11:00:00Z', selfServiceUrl: 'http://127.0.0.1/me.html' };
  const all: NotificationData[] = [
    { kind: 'registration-confirmed', selfServiceUrl: 'http://127.0.0.1/me.html#token=x' },
    { kind: 'proposal', ...shift, expiresAt: '2026-12-04T18:00:00Z', acceptUrl: 'http://127.0.0.1/me.html#assignment=a&key=k' },
    { kind: 'withdrawn', ...shift, reason: 'task-cancelled' },
    { kind: 'task-changed', ...shift },
    { kind: 'reminder', ...shift },
    { kind: 'incident-ended', incidentId: 'hochwasser-ahr', retentionDays: 30, selfServiceUrl: 'http://127.0.0.1/me.html' },
  ];
  const page = await browser.context.newPage();
  for (const data of all) {
    for (const locale of ['de', 'en'] as const) {
      await page.setContent(renderNotification(data, locale).html);
      t.deepEqual(await accessibilityProblems(page), [], `${data.kind} (${locale})`);
    }
  }
});
