import test from 'ava';
import { uniqueName } from '@kathelfer/hack/test-env';
import { eventually } from '@kathelfer/hack/test-env';
import { postJson, validBody } from '@kathelfer/registration/testing/registration';
import { siteBody, taskBody } from '@kathelfer/tasks/testing/tasks';
import type { BrowserContext, Page } from 'playwright-core';
import { accessibilityProblems, addSiteOnPage, asCoordinator, coordinatorToken, json, launchBrowser, localInput, matchingKnows, phonePage, screenshot, startPlatform, type Platform } from './support/platform.js';

// The pages in headless Chromium against the real services (PostgreSQL, Redis, the bus between
// them): a helper on a 360 px phone registers, opens their link, accepts and sees the check-in
// code; validation errors sit next to their field; erasure ends the link; a coordinator posts a
// task and sees it filled after a matching round. Screenshots land in test-output/screenshots.
let platform: Platform;
let browser: { context: BrowserContext; close(): Promise<void> };
const hour = 3600_000;

test.before(async () => {
  [platform, browser] = await Promise.all([startPlatform(), launchBrowser()]);
  await browser.context.grantPermissions(['geolocation'], { origin: platform.registration.url });
  await browser.context.setGeolocation({ latitude: 51.0504, longitude: 13.7373 });
});
test.after.always(async () => {
  await browser?.close();
  await platform?.close();
});

/** A site and a sandbagging task for one helper, starting in an hour, posted through the API. */
async function postTask(incident: string, overrides: Record<string, unknown> = {}): Promise<{ siteId: string; taskId: string }> {
  const site = await asCoordinator<{ id: string }>(`${platform.tasks.url}/v1/sites`, 'POST', siteBody({ incidentId: incident, coordinates: { latitude: 51.06, longitude: 13.75 } }), 201);
  const task = await asCoordinator<{ id: string }>(
    `${platform.tasks.url}/v1/tasks`,
    'POST',
    taskBody(site.id, {
      incidentId: incident,
      headcount: 1,
      priority: 1,
      skills: ['sandbagging'],
      resources: [],
      shiftStart: new Date(Date.now() + hour).toISOString(),
      shiftEnd: new Date(Date.now() + 3 * hour).toISOString(),
      ...overrides,
    }),
    201,
  );
  return { siteId: site.id, taskId: task.id };
}

async function runRound(incident: string): Promise<Record<string, number>> {
  return asCoordinator<Record<string, number>>(`${platform.matching.url}/v1/matching/runs`, 'POST', { incidentId: incident });
}

/** Fills the registration form as a helper would, with this availability. */
async function fillRegistration(page: Page, fields: { name: string; phone: string; from: Date; to: Date }): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(fields.name);
  await page.getByLabel('Telefon (mobil)').fill(fields.phone);
  await page.getByLabel('Postleitzahl').fill('01067');
  await page.getByRole('button', { name: 'Meinen Standort verwenden' }).click();
  await page.getByText('Standort übernommen.').waitFor();
  await page.getByLabel('Sandsäcke füllen').check();
  await page.getByLabel('Von', { exact: true }).fill(localInput(fields.from));
  await page.getByLabel('Bis', { exact: true }).fill(localInput(fields.to));
  await page.getByLabel('Ich bin mindestens 18 Jahre alt.').check();
  await page.getByLabel(/^Ich willige ein/).check();
  await page.getByLabel('Bei künftigen Einsätzen darf ich wieder angefragt werden.').check();
}

const noHorizontalScroll = async (page: Page) => {
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).map((el) => `${el.tagName}.${el.className}#${el.id} ${Math.round(el.getBoundingClientRect().right)}`),
  );
  if (wide.length > 0) console.log('wider than the viewport:', wide.slice(0, 8));
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
};

test.serial('a helper registers on a 360 px phone, opens the self-service link, accepts a proposal and sees the check-in code', async (t) => {
  const errors: string[] = [];
  const incident = uniqueName('web-helper');
  const { taskId } = await postTask(incident);
  const page = await phonePage(browser.context, errors);

  await page.goto(`${platform.registration.url}/?incident=${incident}`);
  await page.getByRole('heading', { name: 'Als Spontanhelfer*in registrieren' }).waitFor();
  t.is(await page.getByLabel('Einsatz', { exact: true }).inputValue(), incident, 'the incident comes from the appeal link');
  await fillRegistration(page, { name: 'Anna Beispiel', phone: '0151 2345 6789', from: new Date(Date.now() - hour), to: new Date(Date.now() + 12 * hour) });
  t.true(await noHorizontalScroll(page), 'the form fits 360 px');
  await screenshot(page, '01-register-filled');
  await page.getByRole('button', { name: 'Registrieren' }).click();

  await page.getByRole('heading', { name: 'Danke – Sie sind registriert' }).waitFor();
  const link = (await page.locator('#self-service-link').getAttribute('href')) ?? '';
  t.regex(link, new RegExp(`^${platform.registration.url}/me\\.html#token=kh_`), 'the token travels in the fragment');
  t.true(await page.getByText('einzige Weg zurück').isVisible(), 'the page says the link is the only way back');
  t.is(await page.locator('canvas.qr').getAttribute('data-qr'), link, 'the QR code encodes the link');
  t.true(await noHorizontalScroll(page));
  await screenshot(page, '02-register-confirmation');

  const token = decodeURIComponent(link.split('#token=')[1] ?? '');
  await matchingKnows(platform, token, taskId);
  t.like(await runRound(incident), { proposed: 1 });

  await page.goto(link);
  const proposal = page.locator('article.proposal');
  await proposal.waitFor();
  t.regex(await proposal.innerText(), /Sandsäcke füllen[\s\S]*Tor 2, am Container der Feuerwehr[\s\S]*Arbeitshandschuhe/, 'task, meeting point and what to bring');
  t.true(await noHorizontalScroll(page));
  await screenshot(page, '03-self-service-proposal');

  await proposal.getByRole('button', { name: 'Zusagen' }).click();
  const code = page.locator('article.accepted .code');
  await code.waitFor({ timeout: 30_000 });
  t.regex(await code.innerText(), /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  t.true(await page.locator('article.accepted canvas.qr').isVisible(), 'the code as a QR code');
  t.true(await noHorizontalScroll(page));
  await screenshot(page, '04-self-service-checkin-code');
  t.deepEqual(errors, []);
  await page.close();
});

test.serial('a validation error from the API is shown next to its field, and the form works by keyboard', async (t) => {
  const errors: string[] = [];
  const page = await phonePage(browser.context, errors);
  await page.goto(`${platform.registration.url}/`);
  await fillRegistration(page, { name: 'Ben Beispiel', phone: '12', from: new Date(Date.now() + hour), to: new Date(Date.now() + 5 * hour) });
  // Submit with the keyboard from the phone field.
  await page.getByLabel('Telefon (mobil)').press('Enter');

  const phoneError = page.locator('[data-error-for="contact.phone"]');
  await phoneError.getByText('Keine gültige Telefonnummer.').waitFor();
  const phone = page.getByLabel('Telefon (mobil)');
  t.is(await phone.getAttribute('aria-invalid'), 'true');
  t.true((await phone.getAttribute('aria-describedby'))?.includes((await phoneError.getAttribute('id')) ?? '-') ?? false, 'the field points at its error');
  t.is(await page.evaluate(() => document.activeElement?.id), 'phone', 'focus moves to the field');
  t.true(await page.getByRole('alert').getByText('Bitte prüfen Sie die markierten Angaben.').isVisible());
  await screenshot(page, '05-register-validation-error');

  // Every input has a label.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')].filter((el) => (el as HTMLInputElement).labels?.length === 0).map((el) => el.outerHTML),
  );
  t.deepEqual(unlabelled, []);

  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Register as a spontaneous volunteer' }).waitFor();
  t.is(await page.getByLabel('Phone (mobile)').inputValue(), '12', 'a switch keeps what was typed');
  t.is(await page.evaluate(() => document.documentElement.lang), 'en');
  await screenshot(page, '05b-register-english');
  await page.getByRole('button', { name: 'Auf Deutsch umschalten' }).click();
  t.deepEqual(errors.filter((e) => !e.includes('422')), [], 'no script errors (the 422 itself is logged by the browser)');
  await page.close();
});

test.serial('a helper deletes their data from the self-service page; the link stops working', async (t) => {
  const errors: string[] = [];
  const registered = await json<{ token: string }>(postJson(`${platform.registration.url}/v1/helpers`, validBody({ incidentId: uniqueName('web-erase') })), 201);
  const link = `${platform.registration.url}/me.html#token=${encodeURIComponent(registered.token)}`;
  const page = await phonePage(browser.context, errors);
  await page.goto(link);
  await page.getByRole('heading', { name: 'Meine Daten löschen' }).waitFor();
  await screenshot(page, '06-self-service-overview');

  // Change skills and availability, then pause.
  const profile = page.locator('#profile-form');
  await profile.getByLabel('Kochen').check();
  await profile.getByLabel('Bis', { exact: true }).fill(localInput(new Date(Date.now() + 30 * hour)));
  await profile.getByRole('button', { name: 'Speichern' }).click();
  await profile.getByText('Gespeichert.').waitFor();
  await page.getByRole('button', { name: 'Pausieren' }).click();
  await page.locator('#paused-note').waitFor();
  const me = await json<{ skills: string[]; paused: boolean; availability: Array<{ to: string }> }>(
    fetch(`${platform.registration.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${registered.token}` } }),
  );
  t.true(me.skills.includes('cooking'));
  t.true(me.paused);
  t.true(Date.parse(me.availability[0]?.to ?? '') > Date.now() + 29 * hour);
  await screenshot(page, '06b-self-service-paused');

  // The next wave: join another incident from the same page, with consent for it.
  const nextWave = uniqueName('web-join');
  const join = page.locator('#join-form');
  await join.getByLabel('Einsatz', { exact: true }).fill(nextWave);
  await join.locator('#join-consent').check();
  await join.getByRole('button', { name: 'Für diesen Einsatz verfügbar melden' }).click();
  await page.locator('#join-done').waitFor();
  const joined = await json<{ incidentIds: string[] }>(fetch(`${platform.registration.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${registered.token}` } }));
  t.true(joined.incidentIds.includes(nextWave));
  t.true((await page.locator('#joined-incidents').textContent())?.includes(nextWave));
  await screenshot(page, '06c-self-service-joined-another-incident');

  // By keyboard: the delete button, then the confirmation.
  await page.locator('#delete-start').focus();
  await page.keyboard.press('Enter');
  await page.getByText('Wirklich alle Daten löschen?').waitFor();
  await screenshot(page, '07-self-service-delete-confirm');
  await page.locator('#delete-confirm').focus();
  await page.keyboard.press('Enter');
  await page.locator('#deleted').waitFor();
  await screenshot(page, '08-self-service-deleted');

  t.is((await fetch(`${platform.registration.url}/v1/helpers/me`, { headers: { authorization: `Bearer ${registered.token}` } })).status, 401);
  await page.goto('about:blank');
  await page.goto(link);
  await page.locator('#invalid-link').waitFor();
  await screenshot(page, '09-self-service-link-invalid');
  t.deepEqual(errors.filter((e) => !e.includes('401')), []);
  await page.close();
});

test.serial('a coordinator posts a task from the laptop page and sees it filled after a matching round', async (t) => {
  const errors: string[] = [];
  const incident = uniqueName('web-coord');
  const helper = await json<{ token: string }>(
    postJson(
      `${platform.registration.url}/v1/helpers`,
      validBody({ incidentId: incident, skills: ['sandbagging'], availability: [{ from: new Date(Date.now() - hour).toISOString(), to: new Date(Date.now() + 12 * hour).toISOString() }] }),
    ),
    201,
  );
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.goto(`${platform.tasks.url}/coordinator.html`);
  await page.getByLabel('Zugangs-Token (JWT) der Einsatzleitung').fill(await coordinatorToken());
  await page.getByLabel('Einsatz (DisasterEvent)').fill(incident);
  await screenshot(page, '10-coordinator-login');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.getByRole('heading', { name: 'Offene Aufträge' }).waitFor();

  // A site, through the page.
  await addSiteOnPage(page);

  // The task.
  const form = page.locator('#task-form');
  await form.getByLabel('Titel').fill('Sandsäcke am Elbufer');
  await form.getByLabel('Einsatzstelle').selectOption({ label: 'Bauhof Pieschen' });
  await form.getByLabel('Priorität').selectOption('1');
  await form.getByLabel('Benötigte Personen').fill('1');
  await form.getByLabel('Schichtbeginn').fill(localInput(new Date(Date.now() + hour)));
  await form.getByLabel('Schichtende').fill(localInput(new Date(Date.now() + 3 * hour)));
  await form.getByLabel('Sandsäcke füllen').check();
  await form.getByLabel('Mitbringen (eine Sache pro Zeile)').fill('Handschuhe\nGummistiefel');
  await form.getByRole('button', { name: 'Auftrag anlegen' }).click();
  const row = page.locator('#tasks tr[data-task]', { hasText: 'Sandsäcke am Elbufer' });
  await row.getByText('0/1').waitFor();
  const taskId = (await row.getAttribute('data-task')) ?? '';
  await screenshot(page, '11-coordinator-task-created');

  // Edit it: the title.
  await row.getByRole('button', { name: 'Bearbeiten' }).click();
  await form.getByLabel('Titel').fill('Sandsäcke am Elbufer, Nord');
  await form.getByRole('button', { name: 'Änderungen speichern' }).click();
  await page.locator('#tasks tr[data-task]', { hasText: 'Sandsäcke am Elbufer, Nord' }).waitFor();

  await matchingKnows(platform, helper.token, taskId);
  await page.getByRole('button', { name: 'Zuordnungsrunde starten' }).click();
  // The edit above may have let a background round propose already: the round's statistics count
  // the slot as filled either way.
  await page.locator('[data-stat="filled"]').getByText('1', { exact: true }).waitFor();
  t.is(await page.locator('[data-stat="fill"]').innerText(), '100 %');
  await screenshot(page, '12-coordinator-round-stats');

  // The helper accepts with their link's token; the fill follows over the bus.
  const mine = await json<{ items: Array<{ id: string }> }>(fetch(`${platform.matching.url}/v1/assignments/mine`, { headers: { authorization: `Bearer ${helper.token}` } }));
  await json(fetch(`${platform.matching.url}/v1/assignments/${mine.items[0]?.id ?? ''}/accept`, { method: 'POST', headers: { authorization: `Bearer ${helper.token}` } }));
  await row.getByRole('button', { name: 'Zuweisungen' }).click();
  await eventually(
    'the task to be filled',
    async () => {
      await page.locator('#task-detail').getByRole('button', { name: 'Aktualisieren' }).click();
      return (await page.locator('.task-fill').getAttribute('data-status')) === 'filled' ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 500 },
  );
  t.regex(await page.locator('.task-fill').innerText(), /1\/1/);
  t.regex(await page.locator('#task-detail').innerText(), /zugesagt/);
  await screenshot(page, '13-coordinator-task-filled');
  t.deepEqual(errors, []);
  await page.close();
});

test('the accessibility check run on every screenshot does find problems: an unlabelled field and unreadable text', async (t) => {
  const page = await browser.context.newPage();
  try {
    await page.setContent('<html lang="de"><head><title>t</title></head><body><main><input type="text"><p style="color:#eee;background:#fff">blass</p></main></body></html>');
    const problems = await accessibilityProblems(page);
    t.true(problems.some((p) => p.startsWith('label ')), problems.join('\n'));
    t.true(problems.some((p) => p.startsWith('color-contrast ')), problems.join('\n'));
  } finally {
    await page.close();
  }
});
