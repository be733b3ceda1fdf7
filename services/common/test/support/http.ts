import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { SignJWT } from 'jose';
import type { AuthConfig } from '../../src/auth.js';
import { baseConfigSchema } from '../../src/config.js';
import { callbackOf } from '../../src/serve.js';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Serves `app.callback()` on a loopback port: a free one unless `port` is given. */
export async function listen(app: Koa, requestedPort = 0): Promise<Listening> {
  const server = http.createServer(callbackOf(app));
  server.listen(requestedPort, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const testJwtSecret = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** The verifier's configuration as a service reads it from `env` (defaults of config.ts), with the test secret unless a JWKS URL is given. */
export function testAuthConfig(env: Record<string, string> = {}): AuthConfig {
  const withKey = env.JWT_JWKS_URL === undefined ? { JWT_SECRET: testJwtSecret, ...env } : env;
  return baseConfigSchema
    .pick({ JWT_SECRET: true, JWT_JWKS_URL: true, JWT_ISSUER: true, JWT_AUDIENCE: true, JWT_MAX_LIFETIME_SECONDS: true, JWT_CLOCK_SKEW_SECONDS: true, JWT_ROLE_CLAIMS: true, JWT_ROLE_MAP: true })
    .parse(withKey);
}

/** What the services' tests verify tokens with (see service-env.ts); the defaults of config.ts. */
export const testIssuer = 'kathelfer-development';
export const testAudience = 'kathelfer';

export interface TestTokenOptions {
  secret?: string;
  subject?: string;
  /** Relative to now, as jose reads it (`5m`, `-1m`); `null`: no `exp` claim at all. */
  expiresIn?: string | null;
  /** Seconds since the epoch; `null`: no `iat`. Default: now. */
  issuedAt?: number | null;
  notBefore?: number;
  issuer?: string;
  audience?: string;
  /** Extra claims, e.g. `groups` or `realm_access` as a provider sends them. */
  claims?: Record<string, unknown>;
}

/** An HS256 token as the identity provider would issue it: `roles`, issuer, audience, subject, `iat` and `exp` 5 minutes on. */
export function signToken(roles: string[], options: TestTokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ roles, ...options.claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.subject ?? 'coordinator-1')
    .setIssuer(options.issuer ?? testIssuer)
    .setAudience(options.audience ?? testAudience);
  if (options.issuedAt !== null) jwt.setIssuedAt(options.issuedAt);
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(options.secret ?? testJwtSecret));
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
