import type { Middleware } from 'koa';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { BaseConfig } from './config.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

/** `helper`: a volunteer, whose token's subject is their pseudonymous helper id (never a name). */
export type Role = 'coordinator' | 'admin' | 'helper';

export interface Principal {
  subject: string;
  roles: Role[];
}

export type TokenVerifier = (token: string) => Promise<Principal>;

const knownRoles = new Set<string>(['coordinator', 'admin', 'helper']);

/** Verifies coordinator, admin and helper JWTs with the HS256 secret or the JWKS URL from config. */
export function createTokenVerifier(config: Pick<BaseConfig, 'JWT_SECRET' | 'JWT_JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>): TokenVerifier {
  const options = {
    ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
  };
  let verify: (token: string) => ReturnType<typeof jwtVerify>;
  if (config.JWT_JWKS_URL !== undefined) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
    verify = (token) => jwtVerify(token, jwks, options);
  } else if (config.JWT_SECRET !== undefined) {
    const secret = new TextEncoder().encode(config.JWT_SECRET);
    verify = (token) => jwtVerify(token, secret, { ...options, algorithms: ['HS256'] });
  } else {
    throw new Error('JWT_SECRET or JWT_JWKS_URL is required');
  }
  return async (token) => {
    let payload;
    try {
      ({ payload } = await verify(token));
    } catch {
      throw new UnauthorizedError('The bearer token is invalid or expired.');
    }
    const claimed = Array.isArray(payload.roles) ? payload.roles : [];
    return {
      subject: typeof payload.sub === 'string' ? payload.sub : 'unknown',
      roles: claimed.filter((r): r is Role => typeof r === 'string' && knownRoles.has(r)),
    };
  };
}

export function bearerToken(header: string): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** 401 without a valid token, 403 when it carries none of `roles`; the principal lands on ctx.state. */
export function requireRole(verify: TokenVerifier, ...roles: Role[]): Middleware {
  return async function requireRoleMiddleware(ctx, next) {
    const token = bearerToken(ctx.get('authorization'));
    if (token === undefined) throw new UnauthorizedError();
    const principal = await verify(token);
    if (!principal.roles.some((role) => roles.includes(role))) {
      throw new ForbiddenError(`This needs one of the roles: ${roles.join(', ')}.`);
    }
    ctx.state.principal = principal;
    await next();
  };
}

declare module 'koa' {
  interface DefaultState {
    principal?: Principal;
  }
}
