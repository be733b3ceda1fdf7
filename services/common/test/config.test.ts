import test from 'ava';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig } from '../src/config.js';

const valid = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  DB_SCHEMA: 'registration',
  JWT_SECRET: 'x'.repeat(32),
};

test('GIVEN every required variable THEN defaults fill the rest and numbers are numbers', (t) => {
  const config = loadConfig(baseConfigSchema, valid);
  t.is(config.PORT, 8080);
  t.is(config.DB_POOL_MAX, 10);
  t.is(config.TRUSTED_PROXIES, undefined, 'no X-Forwarded-For is believed unless proxies are named');
});

test('a missing variable is named in the error', (t) => {
  const { DATABASE_URL: _omitted, ...rest } = valid;
  const error = t.throws(() => loadConfig(baseConfigSchema, rest), { instanceOf: ConfigError });
  t.regex(error.message, /DATABASE_URL is required but not set/);
});

test('a bad variable is named with what is wrong, and every problem is reported at once', (t) => {
  const error = t.throws(() => loadConfig(baseConfigSchema, { ...valid, PORT: 'eighty', REDIS_URL: 'http://x' }), {
    instanceOf: ConfigError,
  });
  t.regex(error.message, /PORT:/);
  t.regex(error.message, /REDIS_URL: must be a redis:\/\/ URL/);
});

test('without a JWT secret or JWKS URL the service does not start', (t) => {
  const { JWT_SECRET: _omitted, ...rest } = valid;
  const error = t.throws(() => loadConfig(baseConfigSchema, rest), { instanceOf: ConfigError });
  t.regex(error.message, /JWT_JWKS_URL must be set/);
});

const provider = {
  JWT_JWKS_URL: 'https://sso.kreis.example/realms/kreis/protocol/openid-connect/certs',
  JWT_ISSUER: 'https://sso.kreis.example/realms/kreis',
  JWT_AUDIENCE: 'kathelfer',
};

test('GIVEN KATHELFER_ENVIRONMENT=production THEN the HS256 secret is refused, and the provider with issuer and audience is required', (t) => {
  const error = t.throws(() => loadConfig(baseConfigSchema, { ...valid, KATHELFER_ENVIRONMENT: 'production' }), { instanceOf: ConfigError });
  t.regex(error.message, /JWT_SECRET is refused with KATHELFER_ENVIRONMENT=production/);
  t.regex(error.message, /JWT_ISSUER must be set/);
  t.regex(error.message, /JWT_AUDIENCE must be set/);
  const { JWT_SECRET: _secret, ...rest } = valid;
  const config = loadConfig(baseConfigSchema, { ...rest, ...provider, KATHELFER_ENVIRONMENT: 'production' });
  t.is(config.JWT_ISSUER, provider.JWT_ISSUER);
  const plain = t.throws(() => loadConfig(baseConfigSchema, { ...rest, ...provider, JWT_JWKS_URL: 'http://sso.kreis.example/certs', KATHELFER_ENVIRONMENT: 'production' }), { instanceOf: ConfigError });
  t.regex(plain.message, /must be an https:\/\/ URL/);
});

test('a JWKS URL without issuer and audience is refused in any environment, and a secret next to it too', (t) => {
  const { JWT_SECRET: _secret, ...rest } = valid;
  const error = t.throws(() => loadConfig(baseConfigSchema, { ...rest, JWT_JWKS_URL: provider.JWT_JWKS_URL }), { instanceOf: ConfigError });
  t.regex(error.message, /JWT_ISSUER must be set/);
  const both = t.throws(() => loadConfig(baseConfigSchema, { ...valid, ...provider }), { instanceOf: ConfigError });
  t.regex(both.message, /both set/);
});

test('JWT_ROLE_MAP maps provider names to staff roles and names a pair that is not one', (t) => {
  const config = loadConfig(baseConfigSchema, { ...valid, JWT_ROLE_MAP: '3f2b-entra=coordinator, /Stab/S1=authority' });
  t.deepEqual([...config.JWT_ROLE_MAP], [['3f2b-entra', 'coordinator'], ['/Stab/S1', 'authority']]);
  const error = t.throws(() => loadConfig(baseConfigSchema, { ...valid, JWT_ROLE_MAP: 'x=helper' }), { instanceOf: ConfigError });
  t.regex(error.message, /JWT_ROLE_MAP: "x=helper" is not name=role/);
});

test('services extend the base schema with their own variables', (t) => {
  const schema = baseConfigSchema.extend({ RETENTION_DAYS: z.coerce.number().int().positive() });
  const error = t.throws(() => loadConfig(schema, { ...valid, RETENTION_DAYS: '-3' }), { instanceOf: ConfigError });
  t.regex(error.message, /RETENTION_DAYS/);
  t.is(loadConfig(schema, { ...valid, RETENTION_DAYS: '30' }).RETENTION_DAYS, 30);
});

test('TRUSTED_PROXIES takes a hop count or addresses and CIDRs, and names a bad entry', (t) => {
  t.deepEqual(loadConfig(baseConfigSchema, { ...valid, TRUSTED_PROXIES: '1' }).TRUSTED_PROXIES, { hops: 1 });
  t.deepEqual(loadConfig(baseConfigSchema, { ...valid, TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' }).TRUSTED_PROXIES, { addresses: ['10.0.0.0/8', 'fd00::/8'] });
  const error = t.throws(() => loadConfig(baseConfigSchema, { ...valid, TRUSTED_PROXIES: '10.0.0.0/33' }), { instanceOf: ConfigError });
  t.regex(error.message, /TRUSTED_PROXIES: a hop count or comma-separated addresses\/CIDRs/);
});
