/**
 * Who may call an API: staff (authorities, coordinators, site leads) come with an access token of
 * the authority's OIDC provider, verified through its JWKS; volunteers come with their self-service
 * token (see opaque-token.ts). Which provider roles or groups make whom a Kathelfer role is decided
 * in one place: `rolesFromClaims`.
 */
import type { Middleware } from 'koa';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { BaseConfig } from './config.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * `authority`: declares and ends incidents (Landkreis, Katastrophenschutzstab);
 * `coordinator`: posts tasks and sites, sees helpers, runs matching, checks helpers in;
 * `site-lead`: checks helpers in at a site (Einsatzstelle) and sees its load, nothing else;
 * `helper`: a volunteer, whose subject is their pseudonymous helper id (never a name).
 */
export type Role = 'authority' | 'coordinator' | 'site-lead' | 'helper';

export const roles: readonly Role[] = ['authority', 'coordinator', 'site-lead', 'helper'];

export interface Principal {
  /** The token's `sub`: the provider's stable id of the person (logged with every use of personal data). */
  subject: string;
  roles: Role[];
  /** The provider's `preferred_username`, when it sends one: for log lines a person can read. */
  username?: string;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

export type AuthConfig = Pick<
  BaseConfig,
  'JWT_SECRET' | 'JWT_JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_MAX_LIFETIME_SECONDS' | 'JWT_CLOCK_SKEW_SECONDS' | 'JWT_ROLE_CLAIMS' | 'JWT_ROLE_MAP'
>;

/** The signature algorithms a provider's JWKS may use; never HS* (a public key would become a secret) nor `none`. */
const asymmetricAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** The claim at a dot-separated path (`realm_access.roles`), or undefined. */
function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The Kathelfer roles a token grants: every string in the claims at `claimPaths` (Keycloak: realm
 * roles in `realm_access.roles`, groups in `groups`, as `/coordinator` with the full path; Entra ID:
 * `roles` or `groups` with object ids), each mapped through `roleMap` (provider name → role) or taken
 * as is when it already names a role. Names that are neither are ignored, so a provider's other
 * groups grant nothing.
 */
export function rolesFromClaims(payload: JWTPayload, claimPaths: readonly string[], roleMap: ReadonlyMap<string, Role> = new Map()): Role[] {
  const granted = new Set<Role>();
  for (const path of claimPaths) {
    const value = claimAt(payload, path);
    const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : [];
    for (const name of names) {
      if (typeof name !== 'string') continue;
      // Keycloak's group mapper sends `/parent/child` with full paths: the group's own name counts.
      const bare = name.startsWith('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
      const role = roleMap.get(name) ?? roleMap.get(bare) ?? (roles.includes(bare as Role) ? (bare as Role) : undefined);
      if (role !== undefined) granted.add(role);
    }
  }
  return roles.filter((role) => granted.has(role));
}

/** Why a token was refused, for the log (never for the client: a 401 says only that it was refused). */
function refusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim}: ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof joseErrors.JOSEError) return error.code;
  return error instanceof Error ? error.message : 'unknown';
}

/**
 * Verifies staff access tokens: the provider's JWKS (`JWT_JWKS_URL`, the default and the only way in
 * production) or, for tests and local development only, the HS256 `JWT_SECRET`. A token must be
 * signed, issued by `JWT_ISSUER` for `JWT_AUDIENCE`, carry `exp` and `iat`, not be used before its
 * `nbf` or `iat` (`JWT_CLOCK_SKEW_SECONDS` of clock difference allowed), and live at most
 * `JWT_MAX_LIFETIME_SECONDS` from `iat` to `exp` (RFC 7519 §4.1, RFC 9068 §2.2: access tokens are
 * short-lived; a token without `exp` would work forever). Throws UnauthorizedError (401) otherwise.
 * Each refusal is logged on `logger` with its reason (the client learns only that it was refused).
 */
export function createTokenVerifier(config: AuthConfig, logger?: Pick<Logger, 'info'>): TokenVerifier {
  const onRefused = (reason: string) => logger?.info({ reason }, 'staff token refused');
  const maxLifetime = config.JWT_MAX_LIFETIME_SECONDS;
  const skew = config.JWT_CLOCK_SKEW_SECONDS;
  const options: JWTVerifyOptions = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockTolerance: skew,
    // jose then requires `iat`, refuses one in the future, and refuses tokens issued longer ago than this.
    maxTokenAge: maxLifetime,
    requiredClaims: ['exp', 'iat', 'sub'],
  };
  let verify: (token: string) => ReturnType<typeof jwtVerify>;
  if (config.JWT_JWKS_URL !== undefined) {
    // jose caches the key set and refetches it (at most every 30 s) when a token names an unknown
    // key id, so the provider's key rotation needs no restart.
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
    verify = (token) => jwtVerify(token, jwks, { ...options, algorithms: asymmetricAlgorithms });
  } else if (config.JWT_SECRET !== undefined) {
    const secret = new TextEncoder().encode(config.JWT_SECRET);
    verify = (token) => jwtVerify(token, secret, { ...options, algorithms: ['HS256'] });
  } else {
    throw new Error('JWT_JWKS_URL (or, for tests only, JWT_SECRET) is required');
  }
  const claimPaths = config.JWT_ROLE_CLAIMS;
  const roleMap = config.JWT_ROLE_MAP;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (error) {
      onRefused(refusal(error));
      throw new UnauthorizedError('The bearer token is invalid or expired.');
    }
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (exp - iat > maxLifetime) {
      onRefused(`lifetime ${exp - iat} s exceeds ${maxLifetime} s`);
      throw new UnauthorizedError('The bearer token is invalid or expired.');
    }
    const username = typeof payload.preferred_username === 'string' ? payload.preferred_username : undefined;
    return { subject: payload.sub as string, roles: rolesFromClaims(payload, claimPaths, roleMap), ...(username === undefined ? {} : { username }) };
  };
}

export function bearerToken(header: string): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** 401 without a valid token, 403 when it carries none of `roles`; the principal lands on ctx.state. */
export function requireRole(verify: TokenVerifier, ...allowed: Role[]): Middleware {
  return async function requireRoleMiddleware(ctx, next) {
    const token = bearerToken(ctx.get('authorization'));
    if (token === undefined) throw new UnauthorizedError();
    const principal = await verify(token);
    if (!principal.roles.some((role) => allowed.includes(role))) {
      throw new ForbiddenError(`This needs one of the roles: ${allowed.join(', ')}.`);
    }
    ctx.state.principal = principal;
    await next();
  };
}

/**
 * Logs every use of a staff permission on volunteers' personal data (GDPR Art. 5(2), 30, 32: who
 * saw or changed whose data, when): the token's subject and username, the roles, the route and
 * `purpose`, and the response status. Goes after `requireRole`.
 */
export function logPersonalDataAccess(purpose: string): Middleware {
  return async function personalDataAccessMiddleware(ctx, next) {
    let status: number | undefined;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      status = (error as { status?: number }).status ?? 500;
      throw error;
    } finally {
      const principal = ctx.state.principal;
      ctx.state.log.info(
        {
          audit: 'personal-data',
          subject: principal?.subject,
          username: principal?.username,
          roles: principal?.roles,
          method: ctx.method,
          route: (ctx as { routerPath?: string }).routerPath ?? ctx.path,
          purpose,
          status,
        },
        'personal data used with a staff permission',
      );
    }
  };
}

declare module 'koa' {
  interface DefaultState {
    principal?: Principal;
  }
}
