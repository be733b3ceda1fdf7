/**
 * What the browser tests run against: the real registration, tasks and matching services in this
 * process, on one Redis prefix (so they talk over the bus as in production), each on a loopback
 * port of its own — three origins, as with separate host names, so the pages' cross-origin calls
 * and CORS are exercised — and headless Chromium from Debian's package driven by playwright-core.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signToken } from '@kathelfer/common/testing/http';
import { freePort } from '@kathelfer/common/testing/own-datastores';
import { eventually } from '@kathelfer/hack/test-env';
import { startMatching, testEnv as matchingEnv, type Running as Matching } from '@kathelfer/matching/testing/matching';
import { startRegistration, testEnv as registrationEnv, type Running as Registration } from '@kathelfer/registration/testing/registration';
import { startTasks, testEnv as tasksEnv, type Running as Tasks } from '@kathelfer/tasks/testing/tasks';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb, isStale } from '../../build.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Screenshots of every page the tests visit (gitignored). */
export const screenshotDir = join(repoRoot, 'test-output', 'screenshots');

export interface Platform {
  registration: Registration;
  tasks: Tasks;
  matching: Matching;
  close(): Promise<void>;
}

/**
 * The three services with each other's public URLs and CORS for each other's origins. `identity`:
 * the provider they trust instead of the test secret (keycloakServiceEnv() for the local Keycloak);
 * `extra`: more settings for one service (notifications).
 */
export async function startPlatform(
  identity?: Record<string, string>,
  extra: { registration?: Record<string, string>; matching?: Record<string, string> } = {},
): Promise<Platform> {
  // npm test builds the pages before any test runs; a narrow run of this file builds them here.
  if (isStale()) await buildWeb();
  const [r, t, m] = await Promise.all([freePort(), freePort(), freePort()]);
  const origin = (port: number) => `http://127.0.0.1:${port}`;
  const base = registrationEnv();
  const shared = {
    REDIS_PREFIX: base.REDIS_PREFIX ?? '',
    PUBLIC_REGISTRATION_URL: origin(r),
    PUBLIC_TASKS_URL: origin(t),
    PUBLIC_MATCHING_URL: origin(m),
    CORS_ALLOWED_ORIGINS: [r, t, m].map(origin).join(','),
    ...identity,
  };
  const trusting = (env: Record<string, string>) => {
    if (identity === undefined) return env;
    const { JWT_SECRET: _secret, ...rest } = env;
    return rest;
  };
  const [registration, tasks, matching] = await Promise.all([
    startRegistration(trusting({ ...base, ...shared, ...extra.registration }), { port: r }),
    startTasks(trusting(tasksEnv(shared)), { port: t }),
    startMatching(trusting(matchingEnv({ ...shared, ...extra.matching })), { port: m }),
  ]);
  return {
    registration,
    tasks,
    matching,
    async close() {
      await Promise.allSettled([registration.close(), tasks.close(), matching.close()]);
    },
  };
}

/**
 * Chromium in a fresh profile. Without the background-networking flags Chromium tries to reach
 * Google's services and hangs on a closed network; --no-sandbox because tests may run as root.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error('Chromium is missing: run `bash hack/chromium.sh ensure` (npm test does)');
  const profile = mkdtempSync(join(tmpdir(), 'kathelfer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    locale: 'de-DE',
  });
  context.setDefaultTimeout(20_000);
  mkdirSync(screenshotDir, { recursive: true });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A phone-sized page (360 × 740 CSS pixels, touch), failing the test on any page error. */
export async function phonePage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return page;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * The WCAG 2.1 A/AA rules axe-core checks automatically, run in the page as it is now (evaluate
 * runs outside the page's CSP, which forbids injected scripts). Only serious and critical findings
 * fail a test: minor ones are judgement calls axe itself marks as such.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

/** Saves a full-page screenshot and fails the calling test on serious accessibility problems of the page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  const problems = await accessibilityProblems(page);
  if (problems.length > 0) throw new Error(`accessibility problems on ${name}:\n${problems.join('\n')}`);
}

export const coordinatorToken = () => signToken(['coordinator'], { subject: 'coordinator-web-test', expiresIn: '30m' });

export async function json<T>(response: Promise<Response>, status = 200): Promise<T> {
  const r = await response;
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function asCoordinator<T>(url: string, method = 'GET', body?: unknown, status = 200): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${await coordinatorToken()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return json<T>(fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), status);
}

/** Waits until the matching service's read model has the helper (by token) and the task. */
export async function matchingKnows(platform: Platform, helperToken: string, taskId: string): Promise<void> {
  await eventually(
    'matching to know the helper and the task',
    async () => {
      const mine = await fetch(`${platform.matching.url}/v1/assignments/mine`, { headers: { authorization: `Bearer ${helperToken}` } });
      const task = await platform.matching.matching.models.Task.count({ where: { id: taskId } });
      return mine.status === 200 && task === 1 ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A datetime-local value in this process's (and the browser's) time zone. */
export function localInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Posts the site "Bauhof Pieschen" (Dresden, 20 places) through the coordinator page's form and waits until its row shows. */
export async function addSiteOnPage(page: Page): Promise<void> {
  await page.getByText('Neue Einsatzstelle').click();
  const siteForm = page.locator('#site-form');
  await siteForm.getByLabel('Name').fill('Bauhof Pieschen');
  await siteForm.getByLabel('Postleitzahl').fill('01127');
  await siteForm.getByLabel('Ort').fill('Dresden');
  await siteForm.getByLabel('Breitengrad').fill('51.07');
  await siteForm.getByLabel('Längengrad').fill('13.72');
  await siteForm.getByLabel('Treffpunkt').fill('Haupttor');
  await siteForm.getByRole('button', { name: 'Einsatzstelle anlegen' }).click();
  await page.locator('#sites tr[data-site]').getByText('0 eingecheckt von 20').waitFor();
}
