/**
 * Configuration comes from environment variables only, validated once at start-up: a service that
 * starts with a bad variable fails at once with a message naming it, rather than at the first
 * request that needs it.
 */
import { z } from 'zod';
import type { Role } from './auth.js';
import { parseTrustedProxies } from './client-address.js';

const staffRoles: readonly Role[] = ['authority', 'coordinator', 'site-lead'];

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
  /**
   * `production` (the base manifests) refuses the HS256 `JWT_SECRET` and needs the provider's JWKS,
   * issuer and audience set explicitly; `development` (tests, `npm start`, overlays/local) allows them.
   */
  KATHELFER_ENVIRONMENT: z.enum(['development', 'production']).default('development'),
  /**
   * The OIDC provider's JWKS (`jwks_uri` of its discovery document; Keycloak:
   * `https://<host>/realms/<realm>/protocol/openid-connect/certs`): the way staff tokens are verified.
   */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Tests and local development only: an HS256 secret instead of a provider (refused in production). */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The provider's `issuer` (Keycloak: `https://<host>/realms/<realm>`); tokens of any other issuer are refused. */
  JWT_ISSUER: z.string().min(1).default('kathelfer-development'),
  /** The audience Kathelfer's tokens must name in `aud` (an audience mapper in Keycloak; the application id URI in Entra ID). */
  JWT_AUDIENCE: z.string().min(1).default('kathelfer'),
  /** The longest an access token may live from `iat` to `exp`; Keycloak issues 300 s, Entra ID 60–90 min. */
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().positive().max(24 * 3600).default(5400),
  /** How far the provider's clock may differ from ours when `exp`, `nbf` and `iat` are checked. */
  JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().nonnegative().max(300).default(30),
  /**
   * Where the pages send staff to sign in (the provider's issuer as browsers reach it); unset: the
   * issuer JWT_ISSUER when tokens come from a provider (JWT_JWKS_URL), else no sign-in on the pages.
   */
  OIDC_AUTHORITY: z.url({ protocol: /^https?$/ }).optional(),
  /** The provider's public client of the pages (Authorization Code with PKCE, no secret). */
  OIDC_WEB_CLIENT_ID: z.string().min(1).default('kathelfer-web'),
  /** Comma-separated claim paths whose values name roles or groups (see auth.ts `rolesFromClaims`). */
  JWT_ROLE_CLAIMS: z
    .string()
    .default('roles,groups,realm_access.roles')
    .transform((value) => value.split(',').map((p) => p.trim()).filter((p) => p !== '')),
  /**
   * Comma-separated `provider-name=role` pairs for providers whose groups have other names (Entra ID
   * sends group object ids): `3f2b…=coordinator,/Stab/S1=authority`. Roles: authority, coordinator, site-lead.
   */
  JWT_ROLE_MAP: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const map = new Map<string, Role>();
      for (const pair of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
        const at = pair.lastIndexOf('=');
        const role = pair.slice(at + 1) as Role;
        if (at <= 0 || !staffRoles.includes(role)) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not name=role with role one of ${staffRoles.join(', ')}` });
          continue;
        }
        map.set(pair.slice(0, at), role);
      }
      return map;
    }),
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
  problems.push(...identityProblems(cleaned));
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/**
 * How staff tokens are verified must be decided, and in production it must be the provider: the
 * HS256 secret is a test device (anyone holding it can mint any role), and an unset issuer or
 * audience would let tokens of another realm or client through.
 */
function identityProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const production = env.KATHELFER_ENVIRONMENT === 'production';
  if (env.JWT_SECRET === undefined && env.JWT_JWKS_URL === undefined) {
    problems.push('JWT_JWKS_URL must be set to verify staff tokens (the OIDC provider\'s jwks_uri)');
  }
  if (env.JWT_SECRET !== undefined && env.JWT_JWKS_URL !== undefined) {
    problems.push('JWT_SECRET and JWT_JWKS_URL are both set: set only JWT_JWKS_URL');
  }
  if (production && env.JWT_SECRET !== undefined) {
    problems.push('JWT_SECRET is refused with KATHELFER_ENVIRONMENT=production: staff tokens come from the OIDC provider (JWT_JWKS_URL)');
  }
  if (production || env.JWT_JWKS_URL !== undefined) {
    for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
      if (env[name] === undefined) problems.push(`${name} must be set when tokens come from an OIDC provider`);
    }
  }
  if (production && env.JWT_JWKS_URL !== undefined && !env.JWT_JWKS_URL.startsWith('https:')) {
    problems.push('JWT_JWKS_URL must be an https:// URL with KATHELFER_ENVIRONMENT=production');
  }
  return problems;
}
