import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { SignJWT } from 'jose';
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

/** An HS256 token as the identity provider would issue it. */
export function signToken(roles: string[], options: { secret?: string; subject?: string; expiresIn?: string } = {}): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.subject ?? 'coordinator-1')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? testJwtSecret));
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
