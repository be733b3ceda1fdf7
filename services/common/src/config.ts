/**
 * Configuration comes from environment variables only, validated once at start-up: a service that
 * starts with a bad variable fails at once with a message naming it, rather than at the first
 * request that needs it.
 */
import { z } from 'zod';
import { parseTrustedProxies } from './client-address.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const integer = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/** What every service reads. Services extend it with `.extend({...})`. */
export const baseConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  /** The PostgreSQL schema this service owns; tests use a unique one per file. */
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier'),
  DB_POOL_MAX: integer(10),
  DB_POOL_MIN: integer(0),
  DB_POOL_ACQUIRE_MS: integer(10_000),
  DB_POOL_IDLE_MS: integer(10_000),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }),
  /** Prefix of every Redis key and stream this service writes (tests isolate by it). */
  REDIS_PREFIX: z.string().default('kathelfer:'),
  /** Either a shared HS256 secret or a JWKS URL verifies coordinator and admin tokens. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  BODY_LIMIT_BYTES: integer(64 * 1024),
  /** How long a terminating replica keeps serving after readiness turned false, so load balancers can stop sending. */
  SHUTDOWN_DRAIN_MS: integer(5_000),
  /** Upper bound for in-flight requests to finish after the drain. */
  SHUTDOWN_TIMEOUT_MS: integer(20_000),
  OUTBOX_POLL_MS: integer(500),
  /** How long events stay on the Redis streams; a consumer further behind than this misses events. */
  EVENT_STREAM_RETENTION_HOURS: integer(168),
  /**
   * Who may tell the client's address in X-Forwarded-For: empty (nobody: the socket's peer is the
   * client), a hop count (`1`: the Ingress controller), or comma-separated addresses/CIDRs of the
   * proxies in front. See client-address.ts.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseTrustedProxies(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `a hop count or comma-separated addresses/CIDRs (${(error as Error).message})` });
        return z.NEVER;
      }
    }),
  /**
   * Where browsers reach each service's API, for the web pages every service serves. Unset: the
   * page's own origin (one host name with path routing in an Ingress).
   */
  PUBLIC_REGISTRATION_URL: z.url().optional(),
  PUBLIC_TASKS_URL: z.url().optional(),
  PUBLIC_MATCHING_URL: z.url().optional(),
  /**
   * Comma-separated origins (`https://helfen.example.de`) whose pages may call this API from the
   * browser. Empty: same origin only. Never a wildcard: the pages send bearer tokens.
   */
  CORS_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const origins = value.split(',').map((o) => o.trim()).filter((o) => o !== '');
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s*]+$/.test(origin)) ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://host[:port]` });
      }
      return origins;
    }),
  /** The built web pages (web/dist); unset: found next to the code, and no pages when missing. */
  WEB_DIST_DIR: z.string().optional(),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Parses `env` with `schema`; throws a ConfigError naming each missing or bad variable. */
export function loadConfig<S extends z.ZodType<BaseConfig>>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset, as in most deployment tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const missing = issue.code === 'invalid_type' && cleaned[name] === undefined;
        return missing ? `${name} is required but not set` : `${name}: ${issue.message}`;
      });
  if (cleaned.JWT_SECRET === undefined && cleaned.JWT_JWKS_URL === undefined) {
    problems.push('JWT_SECRET or JWT_JWKS_URL must be set to verify coordinator tokens');
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}
