import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import type { Middleware } from 'koa';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { z } from 'zod';
import { createServiceApp } from '../src/app.js';
import { createTokenVerifier, logPersonalDataAccess, requireRole, rolesFromClaims } from '../src/auth.js';
import { ForbiddenError, UnauthorizedError } from '../src/errors.js';
import { hashToken, newOpaqueToken } from '../src/opaque-token.js';
import { defineRoute } from '../src/routes.js';
import { json, listen, signToken, testAuthConfig, testJwtSecret } from './support/http.js';
import { pino } from 'pino';

const now = () => Math.floor(Date.now() / 1000);

test('GIVEN a JWKS URL THEN tokens signed by its key verify with their roles, and tokens of another key, issuer or audience do not', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const verify = createTokenVerifier(testAuthConfig({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, JWT_ISSUER: 'https://idp.example/realms/kreis', JWT_AUDIENCE: 'kathelfer' }));
    const sign = (key: Parameters<SignJWT['sign']>[0], issuer = 'https://idp.example/realms/kreis', audience = 'kathelfer') =>
      new SignJWT({ realm_access: { roles: ['coordinator', 'offline_access'] }, groups: ['/Stab/site-lead'], preferred_username: 'c.meier' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('c-9')
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    t.deepEqual(await verify(await sign(privateKey)), { subject: 'c-9', roles: ['coordinator', 'site-lead'], username: 'c.meier' });
    await t.throwsAsync(verify(await sign(other.privateKey)), { instanceOf: UnauthorizedError });
    await t.throwsAsync(verify(await sign(privateKey, 'https://idp.example/realms/other')), { instanceOf: UnauthorizedError });
    await t.throwsAsync(verify(await sign(privateKey, undefined, 'account')), { instanceOf: UnauthorizedError });
  } finally {
    server.close();
  }
});

test('GIVEN a JWKS URL THEN an HS256 token made with the public key as secret is refused (algorithm confusion)', async (t) => {
  const { publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const verify = createTokenVerifier(testAuthConfig({ JWT_JWKS_URL: `http://127.0.0.1:${port}/`, JWT_ISSUER: 'kathelfer-development', JWT_AUDIENCE: 'kathelfer' }));
    const forged = await signToken(['authority'], { secret: JSON.stringify(jwk) });
    await t.throwsAsync(verify(forged), { instanceOf: UnauthorizedError });
  } finally {
    server.close();
  }
});

const refusedTokens: Array<[string, () => Promise<string>]> = [
  // The example of issue #18: this token got 200 and never expired.
  ['of only {"roles":["coordinator"]} (HS256, right secret)', () => new SignJWT({ roles: ['coordinator'] }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(testJwtSecret))],
  ['expired', () => signToken(['coordinator'], { issuedAt: now() - 600, expiresIn: '-1m' })],
  ['without exp (it would never expire)', () => signToken(['coordinator'], { expiresIn: null })],
  ['without iat', () => signToken(['coordinator'], { issuedAt: null })],
  ['living longer than JWT_MAX_LIFETIME_SECONDS', () => signToken(['coordinator'], { expiresIn: '12h' })],
  ['issued longer ago than the maximum lifetime', () => signToken(['coordinator'], { issuedAt: now() - 7200, expiresIn: '5m' })],
  ['not valid before a time 10 minutes ahead', () => signToken(['coordinator'], { notBefore: now() + 600 })],
  ['issued in the future', () => signToken(['coordinator'], { issuedAt: now() + 600, expiresIn: '15m' })],
  ['of a foreign issuer', () => signToken(['coordinator'], { issuer: 'https://idp.example/realms/other' })],
  ['for another audience', () => signToken(['coordinator'], { audience: 'account' })],
  ['signed with another secret', () => signToken(['coordinator'], { secret: 'another-secret-that-is-long-enough-0123456789' })],
  ['with alg none', () => Promise.resolve(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ roles: ['coordinator'], sub: 'x', iss: 'kathelfer-development', aud: 'kathelfer', iat: now(), exp: now() + 60 })).toString('base64url')}.`)],
];

for (const [what, token] of refusedTokens) {
  test(`a token ${what} gets 401 with a problem document, and the log says why`, async (t) => {
    const lines: Array<{ msg: string; reason?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg: string; reason?: string }) });
    const verify = createTokenVerifier(testAuthConfig(), logger);
    const app = createServiceApp({
      name: 'auth-test',
      version: '0',
      logger,
      readiness: {},
      bodyLimitBytes: 1024,
      routes: [defineRoute({ method: 'get', path: '/v1/tasks', summary: 'x', security: 'bearer', middleware: [requireRole(verify, 'coordinator')], responses: { 200: { description: 'ok', schema: z.object({}) } }, handler: () => Promise.resolve({ status: 200, body: {} }) })],
    });
    const server = await listen(app.app);
    try {
      const response = await fetch(`${server.url}/v1/tasks`, { headers: { authorization: `Bearer ${await token()}` } });
      t.is(response.status, 401);
      t.is(response.headers.get('content-type'), 'application/problem+json');
      t.like(await json(response), { status: 401, type: 'https://kathelfer.de/problems/unauthorized' });
      t.true(lines.some((l) => l.msg === 'staff token refused' && typeof l.reason === 'string' && l.reason !== ''));
    } finally {
      await server.close();
    }
  });
}

test('a token within every limit (5 minutes, our issuer and audience, nbf now) is accepted, and 30 s of clock difference are tolerated', async (t) => {
  const verify = createTokenVerifier(testAuthConfig());
  t.deepEqual(await verify(await signToken(['coordinator'], { notBefore: now() })), { subject: 'coordinator-1', roles: ['coordinator'] });
  t.deepEqual((await verify(await signToken(['site-lead'], { issuedAt: now() + 20, notBefore: now() + 20 }))).roles, ['site-lead']);
  t.deepEqual((await verify(await signToken(['authority'], { issuedAt: now() - 320, expiresIn: '-15s' }))).roles, ['authority']);
});

test('rolesFromClaims maps Keycloak realm roles, full-path groups and mapped provider names to roles, and ignores any other name', (t) => {
  const payload = {
    realm_access: { roles: ['default-roles-kreis', 'offline_access', 'authority'] },
    groups: ['/Feuerwehr/coordinator', 'coordinator', 'admin', 42],
    roles: ['3f2b9c1e-entra-group'],
  };
  t.deepEqual(rolesFromClaims(payload, ['roles', 'groups', 'realm_access.roles']), ['authority', 'coordinator']);
  t.deepEqual(rolesFromClaims(payload, ['roles'], new Map([['3f2b9c1e-entra-group', 'site-lead']])), ['site-lead']);
  t.deepEqual(rolesFromClaims({ scope: 'openid coordinator' }, ['scope']), ['coordinator'], 'a space-separated claim counts word by word');
  t.deepEqual(rolesFromClaims(payload, ['missing.path']), []);
});

test('opaque tokens are long, random and stored only as a SHA-256 hash', (t) => {
  const a = newOpaqueToken('kh_');
  const b = newOpaqueToken('kh_');
  t.not(a, b);
  t.true(a.length >= 40);
  t.regex(hashToken(a), /^[0-9a-f]{64}$/);
  t.is(hashToken(a), hashToken(a));
  t.false(hashToken(a).includes(a.slice(3)));
});

test('GIVEN a helper token THEN it verifies with the role helper, and a coordinator-only route refuses it with 403', async (t) => {
  const verify = createTokenVerifier(testAuthConfig());
  const token = await signToken(['helper'], { subject: 'h-pseudonym-1' });
  t.deepEqual(await verify(token), { subject: 'h-pseudonym-1', roles: ['helper'] });
  // A minimal stand-in for Koa's context: the middleware reads only the header and state.
  const ctx = { get: () => `Bearer ${token}`, state: {} } as unknown as Parameters<Middleware>[0];
  const middleware = requireRole(verify, 'coordinator');
  const next = (): Promise<void> => Promise.resolve();
  await t.throwsAsync(async () => {
    await middleware(ctx, next);
  }, { instanceOf: ForbiddenError });
});

test('every use of a staff permission on personal data is logged with the subject, username, purpose and outcome', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const verify = createTokenVerifier(testAuthConfig());
  const app = createServiceApp({
    name: 'auth-test',
    version: '0',
    logger,
    readiness: {},
    bodyLimitBytes: 1024,
    routes: [
      defineRoute({
        method: 'get',
        path: '/v1/helpers/:id/contact',
        summary: 'x',
        security: 'bearer',
        middleware: [requireRole(verify, 'coordinator'), logPersonalDataAccess('contact details')],
        params: z.object({ id: z.string() }),
        responses: { 200: { description: 'ok', schema: z.object({}) } },
        handler: ({ params }) => (params.id === 'gone' ? Promise.reject(new UnauthorizedError()) : Promise.resolve({ status: 200, body: {} })),
      }),
    ],
  });
  const server = await listen(app.app);
  try {
    const token = await signToken(['coordinator'], { subject: 'kc-subject-1', claims: { preferred_username: 'c.meier' } });
    t.is((await fetch(`${server.url}/v1/helpers/h-1/contact`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    t.is((await fetch(`${server.url}/v1/helpers/gone/contact`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    const audit = lines.filter((l) => l.audit === 'personal-data');
    t.is(audit.length, 2);
    t.like(audit[0], { subject: 'kc-subject-1', username: 'c.meier', roles: ['coordinator'], method: 'GET', route: '/v1/helpers/:id/contact', purpose: 'contact details', status: 200 });
    t.like(audit[1], { subject: 'kc-subject-1', status: 401 });
  } finally {
    await server.close();
  }
});
