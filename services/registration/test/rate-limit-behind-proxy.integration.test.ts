import { Agent, request } from 'node:http';
import test from 'ava';
import { startNginx, type Nginx } from './support/nginx.js';
import { startRegistration, testEnv, validBody, type Running } from './support/registration.js';

// The registration service behind a real nginx on loopback, as behind the Ingress: clients come
// from their own loopback addresses (127.0.0.2, …), nginx from 127.0.0.1, the only trusted proxy.
let svc: Running;
let nginx: Nginx;

test.before(async () => {
  svc = await startRegistration(
    testEnv({
      TRUSTED_PROXIES: '127.0.0.1',
      RATE_LIMIT_REGISTRATIONS: '3',
      RATE_LIMIT_PER_PERSON: '2',
      RATE_LIMIT_FAILURES: '2',
      RATE_LIMIT_BLOCK_SECONDS: '900',
    }),
  );
  nginx = await startNginx(svc.url);
});
test.after.always(async () => {
  await nginx?.stop();
  await svc?.close();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
}

const agents = new Map<string, Agent>();

/** POST /v1/helpers from the client address `from`. */
function register(base: string, from: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  let agent = agents.get(from);
  if (agent === undefined) agents.set(from, (agent = new Agent({ keepAlive: true, maxSockets: 32 })));
  const url = new URL('/v1/helpers', base);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function inTurn(n: number, send: (i: number) => Promise<Answer>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await send(i)).status);
  return statuses;
}

test('behind nginx, the per-address limit counts each client, not the proxy every client arrives from', async (t) => {
  t.deepEqual(await inTurn(4, () => register(nginx.url, '127.0.0.2', validBody())), [201, 201, 201, 429]);
  t.deepEqual(await inTurn(2, () => register(nginx.url, '127.0.0.3', validBody())), [201, 201], 'another client behind the same proxy has its own count');
});

test('a forged X-Forwarded-For sent through nginx does not give a client a fresh count', async (t) => {
  const statuses = await inTurn(4, (i) => register(nginx.url, '127.0.0.4', validBody(), { 'x-forwarded-for': `198.51.100.${i + 1}` }));
  t.deepEqual(statuses, [201, 201, 201, 429]);
});

test('a forged X-Forwarded-For sent straight to the service is not believed: the peer is the client', async (t) => {
  const statuses = await inTurn(4, (i) => register(svc.url, '127.0.0.5', validBody(), { 'x-forwarded-for': `203.0.113.${i + 1}` }));
  t.deepEqual(statuses, [201, 201, 201, 429]);
});

test('one e-mail address tried from many addresses: a registration, a duplicate 409, then 429 for that person', async (t) => {
  const email = `same.person.${Date.now()}@example.org`;
  const statuses = await inTurn(3, (i) => register(nginx.url, `127.0.0.${10 + i}`, validBody({ contact: { phone: `+4917${Date.now() % 1e8}${i}`, email } })));
  t.deepEqual(statuses, [201, 409, 429]);
});

test('an address whose attempts keep being refused is blocked, with Retry-After, even for a valid registration', async (t) => {
  const invalid = validBody({ maxTravelKm: -1 });
  t.deepEqual(await inTurn(2, () => register(nginx.url, '127.0.0.20', invalid)), [422, 422]);
  const blocked = await register(nginx.url, '127.0.0.20', validBody());
  t.is(blocked.status, 429);
  t.true(Number(blocked.retryAfter) > 60 && Number(blocked.retryAfter) <= 900, `Retry-After ${blocked.retryAfter}`);
  t.is((await register(nginx.url, '127.0.0.21', validBody())).status, 201, 'another address is not affected');
});
