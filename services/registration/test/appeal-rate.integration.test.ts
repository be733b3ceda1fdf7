import { Agent, request } from 'node:http';
import test from 'ava';
import { startNginx, type Nginx } from './support/nginx.js';
import { startRegistration, testEnv, validBody, type Running } from './support/registration.js';

// A TV appeal from behind one carrier-grade NAT address: the shipped limits (config defaults), the
// service behind nginx as behind the Ingress. Prints the rate it reached; asserts only outcomes.
let svc: Running;
let nginx: Nginx;

test.before(async () => {
  const { RATE_LIMIT_REGISTRATIONS: _a, RATE_LIMIT_PER_PERSON: _p, RATE_LIMIT_FAILURES: _f, ...env } = testEnv({ TRUSTED_PROXIES: '1', DB_POOL_MAX: '20' });
  svc = await startRegistration(env);
  nginx = await startNginx(svc.url);
});
test.after.always(async () => {
  await nginx?.stop();
  await svc?.close();
});

test('2,000 distinct people registering from one address behind nginx all succeed under the shipped limits', async (t) => {
  const total = 2000;
  const concurrency = 32;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL('/v1/helpers', nginx.url);
  const post = (body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: '127.0.0.9', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const statuses = new Map<number, number>();
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const status = await post(validBody({ incidentId: 'appeal' }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  t.log(`| registrations | from | seconds | per minute | statuses |`);
  t.log(`| ${total} | 1 address behind nginx | ${seconds.toFixed(1)} | ${Math.round((total / seconds) * 60)} | ${JSON.stringify(Object.fromEntries(statuses))} |`);
  t.deepEqual(Object.fromEntries(statuses), { 201: total });
});
