import { databaseUrl, redisUrl, uniqueName } from '@kathelfer/hack/test-env';
import { testJwtSecret } from './http.js';

/**
 * What every service's tests start it with: the test run's PostgreSQL and Redis, a schema and Redis
 * prefix of its own (so test files run in parallel against one server), the test JWT secret, a
 * quick outbox relay and no logs. `extra` adds the service's own variables.
 */
export function serviceTestEnv(schemaPrefix: string, extra: Record<string, string> = {}): Record<string, string> {
  const schema = uniqueName(schemaPrefix).replace(/-/g, '_');
  return {
    DATABASE_URL: databaseUrl(),
    REDIS_URL: redisUrl(),
    DB_SCHEMA: schema,
    REDIS_PREFIX: `${schema}:`,
    JWT_SECRET: testJwtSecret,
    OUTBOX_POLL_MS: '100',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}
