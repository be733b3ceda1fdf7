import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { pino } from 'pino';
import { z } from 'zod';
import { createServiceApp, type BrowserConfig } from '../src/app.js';
import { defineRoute } from '../src/routes.js';
import { contentSecurityPolicy, signInOf } from '../src/web.js';
import { listen, type Listening } from './support/http.js';

// CORS and the web pages as every service serves them (createServiceApp's `browser` option).
const dist = mkdtempSync(join(tmpdir(), 'kathelfer-web-dist-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Registrieren</title>');
writeFileSync(join(dist, 'me.html'), '<!doctype html><title>Meine Daten</title>');
writeFileSync(join(dist, 'assets', 'register-abc123.js'), 'console.log(1)');

const browser: BrowserConfig = {
  CORS_ALLOWED_ORIGINS: ['http://pages.example:8080'],
  PUBLIC_REGISTRATION_URL: 'http://registration.example:8080/',
  PUBLIC_TASKS_URL: 'http://tasks.example:8081',
  PUBLIC_MATCHING_URL: undefined,
  WEB_DIST_DIR: dist,
};

let server: Listening;
test.before(async () => {
  const { app } = createServiceApp({
    name: 'web-test',
    version: '0',
    logger: pino({ level: 'silent' }),
    bodyLimitBytes: 1024,
    readiness: {},
    browser,
    routes: [
      defineRoute({
        method: 'post',
        path: '/v1/things',
        summary: 'a thing',
        body: z.object({ name: z.string().min(2) }),
        responses: { 201: { description: 'created' } },
        handler: () => Promise.resolve({ status: 201, body: {} }),
      }),
    ],
  });
  server = await listen(app);
});
test.after.always(async () => {
  await server.close();
  rmSync(dist, { recursive: true, force: true });
});

test('pages carry a CSP without inline scripts and are revalidated; hashed assets are cached for a year', async (t) => {
  const page = await fetch(`${server.url}/`);
  t.is(page.status, 200);
  t.regex(page.headers.get('content-type') ?? '', /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  t.true(csp.includes("script-src 'self'"));
  t.false(csp.includes('unsafe-inline'));
  t.true(csp.includes("connect-src 'self' http://registration.example:8080 http://tasks.example:8081"));
  t.true(csp.includes("frame-ancestors 'none'"));
  t.is(page.headers.get('cache-control'), 'no-cache');
  t.is(page.headers.get('referrer-policy'), 'no-referrer');
  t.is((await fetch(`${server.url}/me`)).status, 200, 'short name of me.html');
  const asset = await fetch(`${server.url}/assets/register-abc123.js`);
  t.is(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  t.regex(asset.headers.get('content-type') ?? '', /^text\/javascript/);
  t.is((await fetch(`${server.url}/assets/../index.html`)).status, 200, 'URL normalisation, not the file system');
  t.is((await fetch(`${server.url}/assets/missing.js`)).status, 404);
});

test('/web-config.json tells the pages where each API is, without trailing slashes; unset means the same origin', async (t) => {
  const config = (await (await fetch(`${server.url}/web-config.json`)).json()) as Record<string, string>;
  t.deepEqual(config, { registrationUrl: 'http://registration.example:8080', tasksUrl: 'http://tasks.example:8081', signIn: null, matchingUrl: '' });
});

test('CORS answers only the listed origins, echoes the origin (never *), allows no credentials; error documents are readable too', async (t) => {
  const preflight = await fetch(`${server.url}/v1/things`, {
    method: 'OPTIONS',
    headers: { origin: 'http://pages.example:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  t.is(preflight.status, 204);
  t.is(preflight.headers.get('access-control-allow-origin'), 'http://pages.example:8080');
  t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  t.is(preflight.headers.get('access-control-allow-credentials'), null);

  const invalid = await fetch(`${server.url}/v1/things`, { method: 'POST', headers: { origin: 'http://pages.example:8080', 'content-type': 'application/json' }, body: '{"name":"x"}' });
  t.is(invalid.status, 422);
  t.is(invalid.headers.get('access-control-allow-origin'), 'http://pages.example:8080');

  const stranger = await fetch(`${server.url}/v1/things`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
  t.is(stranger.headers.get('access-control-allow-origin'), null);
});

test('with staff sign-in the CSP lets the pages reach the provider (discovery, token endpoint) and nothing more: no frames, forms only to self', (t) => {
  const signIn = signInOf({ JWT_JWKS_URL: 'https://sso.kreis.example/realms/kreis/protocol/openid-connect/certs', JWT_ISSUER: 'https://sso.kreis.example/realms/kreis' });
  t.deepEqual(signIn, { authority: 'https://sso.kreis.example/realms/kreis', clientId: 'kathelfer-web' });
  const csp = contentSecurityPolicy({ tasks: 'https://helfen.example' }, signIn);
  t.true(csp.includes("connect-src 'self' https://helfen.example https://sso.kreis.example;"));
  t.true(csp.includes("form-action 'self'"));
  t.false(csp.includes('frame-src'));
  t.true(csp.includes("default-src 'none'"));
  t.is(signInOf({ JWT_ISSUER: 'kathelfer-development' }), undefined, 'the test secret gives the pages no sign-in');
});
