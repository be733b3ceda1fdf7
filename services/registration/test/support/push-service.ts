/**
 * A Web Push service on loopback for the tests, in the role of the browser vendor's: it hands out
 * subscriptions (an endpoint, the P-256 key pair and auth secret a browser would make), and for
 * every message it receives it DECRYPTS the body with that subscription's private key and auth
 * secret (RFC 8291 aes128gcm, with `http_ece`, the reference implementation by the RFC's author)
 * and VERIFIES the VAPID JWT's ES256 signature against the key the request names (RFC 8292) with
 * node:crypto. So a test proves the encryption and the signature, not only that a request came.
 */
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';

export interface ReceivedPush {
  subscription: string;
  /** The decrypted payload. */
  payload: string;
  headers: Record<string, string | string[] | undefined>;
  vapid: { publicKey: string; claims: { aud: string; exp: number; sub: string }; signatureValid: boolean };
}

export interface LoopbackPushService {
  origin: string;
  /** A new subscription as PushSubscription.toJSON() gives it. */
  subscribe(): { endpoint: string; keys: { p256dh: string; auth: string } };
  received: ReceivedPush[];
  /** Answers the next messages to `endpoint` with `status` instead of 201. */
  answer(endpoint: string, status: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  close(): Promise<void>;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** Verifies an ES256 JWT (RFC 7515/7518) with an uncompressed P-256 public key; returns its claims. */
export function verifyVapidJwt(jwt: string, publicKey: string): { valid: boolean; claims: { aud: string; exp: number; sub: string } } {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) }, format: 'jwk' });
  const valid = verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
  return { valid: valid && alg === 'ES256', claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud: string; exp: number; sub: string } };
}

export async function startPushService(): Promise<LoopbackPushService> {
  const subscriptions = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const answers = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = (req.url ?? '').replace(/^\/push\//, '');
      const sub = subscriptions.get(id);
      const status = answers.get(id);
      if (sub === undefined) {
        res.writeHead(404).end();
        return;
      }
      if (status !== undefined) {
        res.writeHead(status).end();
        return;
      }
      try {
        const auth = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
        if (auth === null || req.headers['content-encoding'] !== 'aes128gcm') throw new Error('no VAPID authorization or not aes128gcm');
        const [, jwt = '', publicKey = ''] = auth;
        const verified = verifyVapidJwt(jwt, publicKey);
        const payload = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth }).toString('utf8');
        received.push({ subscription: id, payload, headers: req.headers, vapid: { publicKey, claims: verified.claims, signatureValid: verified.valid } });
        res.writeHead(201, { location: `/messages/${received.length}` }).end();
        for (const w of [...waiters]) w();
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomBytes(8).toString('hex');
      subscriptions.set(id, { ecdh, auth });
      return { endpoint: `${origin}/push/${id}`, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } };
    },
    answer(endpoint, status) {
      answers.set(endpoint.replace(`${origin}/push/`, ''), status);
    },
    waitFor(count, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${received.length} of ${count} push messages within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
