import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import type { Middleware } from 'koa';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createTokenVerifier, requireRole } from '../src/auth.js';
import { ForbiddenError, UnauthorizedError } from '../src/errors.js';
import { hashToken, newOpaqueToken } from '../src/opaque-token.js';
import { signToken, testJwtSecret } from './support/http.js';

test('GIVEN a JWKS URL THEN tokens signed by its key verify with their roles, and tokens of another key do not', async (t) => {
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
    const verify = createTokenVerifier({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'kathelfer' });
    const sign = (key: Parameters<SignJWT['sign']>[0], issuer = 'https://idp.example') =>
      new SignJWT({ roles: ['coordinator', 'unknown-role'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('c-9')
        .setIssuer(issuer)
        .setAudience('kathelfer')
        .setExpirationTime('5m')
        .sign(key);
    t.deepEqual(await verify(await sign(privateKey)), { subject: 'c-9', roles: ['coordinator'] });
    await t.throwsAsync(verify(await sign(other.privateKey)), { instanceOf: UnauthorizedError });
    await t.throwsAsync(verify(await sign(privateKey, 'https://evil.example')), { instanceOf: UnauthorizedError });
  } finally {
    server.close();
  }
});

test('an expired HS256 token and a token with alg none are refused', async (t) => {
  const verify = createTokenVerifier({ JWT_SECRET: testJwtSecret });
  await t.throwsAsync(verify(await signToken(['admin'], { expiresIn: '-1m' })), { instanceOf: UnauthorizedError });
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"roles":["admin"]}').toString('base64url')}.`;
  await t.throwsAsync(verify(unsigned), { instanceOf: UnauthorizedError });
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
  const verify = createTokenVerifier({ JWT_SECRET: testJwtSecret });
  const token = await signToken(['helper'], { subject: 'h-pseudonym-1' });
  t.deepEqual(await verify(token), { subject: 'h-pseudonym-1', roles: ['helper'] });
  // A minimal stand-in for Koa's context: the middleware reads only the header and state.
  const ctx = { get: () => `Bearer ${token}`, state: {} } as unknown as Parameters<Middleware>[0];
  const middleware = requireRole(verify, 'coordinator', 'admin');
  const next = (): Promise<void> => Promise.resolve();
  await t.throwsAsync(async () => {
    await middleware(ctx, next);
  }, { instanceOf: ForbiddenError });
});
