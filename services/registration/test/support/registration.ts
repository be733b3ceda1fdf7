import { listen } from '@kathelfer/common/testing/http';
import { serviceTestEnv } from '@kathelfer/common/testing/service-env';
import { pino } from 'pino';
import { createLogger } from '@kathelfer/common/logger';
import { createRegistration, type Registration } from '../../src/app.js';
import { loadRegistrationConfig } from '../../src/config.js';

export interface Running {
  url: string;
  registration: Registration;
  schema: string;
  prefix: string;
  close(): Promise<void>;
}

/** Test environment variables: a unique schema and Redis prefix per call, so files run in parallel. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return serviceTestEnv('reg', {
    RATE_LIMIT_REGISTRATIONS: '100000',
    RATE_LIMIT_PER_PERSON: '100000',
    RATE_LIMIT_FAILURES: '100000000',
    ...overrides,
  });
}

/** A migrated registration service listening on a free loopback port; close() drops its schema. */
export async function startRegistration(env: Record<string, string> = testEnv(), options: { logLines?: string[]; port?: number } = {}): Promise<Running> {
  const config = loadRegistrationConfig(env);
  const logger = options.logLines
    ? createLogger({ name: 'registration', level: 'info' }, { write: (line: string) => void options.logLines?.push(line) })
    : pino({ level: env.LOG_LEVEL ?? 'silent' });
  const registration = createRegistration(config, logger);
  await registration.start();
  const server = await listen(registration.app, options.port);
  return {
    url: server.url,
    registration,
    schema: config.DB_SCHEMA,
    prefix: config.REDIS_PREFIX,
    async close() {
      await server.close();
      await registration.sequelize.query(`DROP SCHEMA IF EXISTS "${config.DB_SCHEMA}" CASCADE`).catch(() => undefined);
      await registration.close();
    },
  };
}

let counter = 0;

/** A valid registration; each call a different person (phone and e-mail). */
export function validBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const n = `${process.pid % 1000}${String(counter).padStart(5, '0')}`.padStart(8, '0');
  return {
    incidentId: 'flood-2026',
    name: `Helper ${n}`,
    contact: { phone: `+49151${n}`, email: `helper.${n}@example.org` },
    location: { postalCode: '01067', coordinates: { latitude: 51.0504, longitude: 13.7373 } },
    maxTravelKm: 25,
    skills: ['first-aid', 'chainsaw'],
    resources: ['car'],
    availability: [{ from: '2026-11-27T06:00:00Z', to: '2026-11-27T20:00:00Z' }],
    maxHoursPerDay: 8,
    adultConfirmed: true,
    consent: { version: '2026-01', purposes: ['coordination', 'future-incidents'] },
    ...overrides,
  };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
