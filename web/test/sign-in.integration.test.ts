import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createClient } from 'redis';
import { developmentUser, keycloakServiceEnv, localKeycloak, passwordGrant } from '@kathelfer/hack/keycloak';
import { eventually, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { assignmentEvent, siteBody, taskBody, toStreamEntry } from '@kathelfer/tasks/testing/tasks';
import type { Page } from 'playwright-core';
import { addSiteOnPage, json, launchBrowser, localInput, screenshot, startPlatform, type Platform } from './support/platform.js';

// Staff sign in through the local Keycloak's real login page (Authorization Code with PKCE), and
// the services trust only Keycloak's tokens (JWKS, issuer, audience): no shared secret anywhere.
let platform: Platform;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const hour = 3600_000;

test.before(async () => {
  platform = await startPlatform(keycloakServiceEnv());
  browser = await launchBrowser();
});
test.after.always(async () => {
  await browser?.close();
  await platform?.close();
});

/** Fills in Keycloak's own login form (its theme's ids: username, password, kc-login). */
async function keycloakLogin(page: Page, username: string): Promise<void> {
  await page.waitForURL(`${localKeycloak().url}/realms/kathelfer/protocol/openid-connect/auth**`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(developmentUser(username).password);
  await page.locator('#kc-login').click();
}

async function newPage(errors: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return page;
}

test.serial('a coordinator signs in on the provider\'s login page, posts a site and a task, and signing out ends the provider session', async (t) => {
  const errors: string[] = [];
  const page = await newPage(errors);
  const incident = uniqueName('web-oidc');
  await page.goto(`${platform.tasks.url}/coordinator.html`);
  await page.getByLabel('Einsatz (DisasterEvent)').fill(incident);
  await screenshot(page, '20-coordinator-sign-in');
  await page.getByRole('button', { name: 'Mit dem Dienstkonto anmelden' }).click();
  await keycloakLogin(page, 'koordination');
  await page.getByRole('heading', { name: 'Offene Aufträge' }).waitFor();
  t.is(await page.locator('#signed-in-as').innerText(), 'Konrad Koordination');
  t.is(new URL(page.url()).search, '', 'the code and state are gone from the address bar');

  await addSiteOnPage(page);
  const form = page.locator('#task-form');
  await form.getByLabel('Titel').fill('Sandsäcke am Elbufer');
  await form.getByLabel('Einsatzstelle').selectOption({ label: 'Bauhof Pieschen' });
  await form.getByLabel('Benötigte Personen').fill('1');
  await form.getByLabel('Schichtbeginn').fill(localInput(new Date(Date.now() + hour)));
  await form.getByLabel('Schichtende').fill(localInput(new Date(Date.now() + 3 * hour)));
  await form.getByLabel('Sandsäcke füllen').check();
  await form.getByRole('button', { name: 'Auftrag anlegen' }).click();
  await page.locator('#tasks tr[data-task]', { hasText: 'Sandsäcke am Elbufer' }).getByText('0/1').waitFor();
  await screenshot(page, '21-coordinator-signed-in');

  // Tokens only in this tab's sessionStorage; nothing in localStorage (the language choice aside).
  const stored = await page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) }));
  t.deepEqual(stored.local.filter((k) => /oidc|token/i.test(k)), []);
  t.true(stored.session.some((k) => k.startsWith('oidc.user:')));

  await page.locator('#sign-out').click();
  await page.getByRole('button', { name: 'Mit dem Dienstkonto anmelden' }).waitFor();
  t.deepEqual(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oidc.user:'))), []);
  // The provider's session ended too: signing in again asks for the password.
  await page.getByRole('button', { name: 'Mit dem Dienstkonto anmelden' }).click();
  await page.locator('#username').waitFor();
  t.deepEqual(errors, []);
  await page.close();
});

test.serial('a site lead signs in, checks a helper in by code and sees the load; the coordinator page refuses them', async (t) => {
  const errors: string[] = [];
  // The command post prepared a site and a task; matching assigned a helper, who accepted.
  const coordinator = (await passwordGrant(developmentUser('koordination'))).access_token;
  const asCoordinator = (path: string, body: unknown) =>
    json<{ id: string }>(fetch(`${platform.tasks.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${coordinator}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }), 201);
  const site = await asCoordinator('/v1/sites', siteBody({ name: 'Deich Nord', capacity: 5 }));
  const task = await asCoordinator('/v1/tasks', taskBody(site.id));
  const redis = createClient({ url: redisUrl() });
  await redis.connect();
  const event = assignmentEvent('assignment.accepted', { assignmentId: randomUUID(), taskId: task.id });
  await redis.xAdd(`${platform.tasks.prefix}events:matching`, '*', toStreamEntry(event));
  await redis.quit();
  const assignment = await eventually('the accepted assignment to arrive', async () => (await platform.tasks.tasks.models.Assignment.findByPk(event.assignmentId)) ?? undefined, { timeoutMs: 20_000, intervalMs: 100 });
  // The code the helper's self-service page shows them.
  const code = platform.tasks.tasks.attendance.codeFor({ id: assignment.id, codeRef: Number(assignment.codeRef), siteId: site.id, shiftEnd: assignment.shiftEnd });

  const page = await newPage(errors);
  await page.goto(`${platform.tasks.url}/site.html?site=${site.id}`);
  await page.getByRole('button', { name: 'Mit dem Dienstkonto anmelden' }).click();
  await keycloakLogin(page, 'einsatzstelle');
  await page.locator('#checked-in').waitFor();
  t.is(await page.locator('#checked-in').innerText(), '0');
  t.is(new URL(page.url()).searchParams.get('site'), site.id, 'back on the link of this site');
  t.is(await page.locator('#signed-in-as').innerText(), 'Elif Einsatzstelle');
  await page.getByLabel('Check-in-Code der helfenden Person').fill(code);
  await page.getByRole('button', { name: 'Einchecken' }).click();
  await page.getByText('Eingecheckt.').waitFor();
  t.is(await page.locator('#checked-in').innerText(), '1');
  t.is(await page.locator('#available').innerText(), '4');
  await screenshot(page, '22-site-lead-checked-in');

  // The coordinator page in the same tab: still signed in, but the services refuse the role.
  await page.goto(`${platform.tasks.url}/coordinator.html`);
  t.is(await page.locator('#signed-in-as').innerText(), 'Angemeldet als Elif Einsatzstelle Abmelden');
  await page.getByLabel('Einsatz (DisasterEvent)').fill('hochwasser');
  await page.getByRole('button', { name: 'Einsatz öffnen' }).click();
  await page.getByText('Ihr Konto hat nicht die Rolle „Koordination“').waitFor();
  await screenshot(page, '23-site-lead-on-coordinator-page');
  // The browser logs the refused call itself; anything else would be a fault of the page.
  t.deepEqual(errors.filter((e) => !e.includes('status of 403')), []);
  t.true(errors.some((e) => e.includes('status of 403')));
  await page.close();
});
