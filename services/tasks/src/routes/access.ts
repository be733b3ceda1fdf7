/** What the routers share: who calls (principal, roles, self-service token) and which version a write applies to. */
import { bearerToken, requireRole, type Principal, type Role, type TokenVerifier } from '@kathelfer/common/auth';
import { UnauthorizedError, ValidationError } from '@kathelfer/common/errors';
import type { Middleware, ParameterizedContext } from 'koa';
import type { HelperTokens } from '../helper-tokens.js';
import { domainProblems } from '../schemas.js';

declare module 'koa' {
  interface DefaultState {
    /** The incidents a helper is available for, when they came with their self-service token. */
    helperIncidents?: string[];
  }
}

/** The authenticated caller; throws UnauthorizedError where no auth middleware set one. */
export function principalOf(ctx: ParameterizedContext): Principal {
  const principal = ctx.state.principal;
  if (principal === undefined) throw new UnauthorizedError();
  return principal;
}

/**
 * A helper's self-service token (the one registration issued; its hash arrives with the helper
 * events) makes them a principal with role `helper` and their helper id as subject; any other
 * bearer token must be a JWT with one of `roles`.
 */
export function selfServiceOr(helperTokens: HelperTokens, verify: TokenVerifier, ...roles: Role[]): Middleware {
  const jwt = requireRole(verify, ...roles);
  return async function selfServiceOrRoleMiddleware(ctx, next) {
    const token = bearerToken(ctx.get('authorization'));
    // A JWT (three dot-separated parts) is never a self-service token: no lookup for coordinators.
    const opaque = token !== undefined && token.split('.').length !== 3;
    const helper = opaque && roles.includes('helper') ? await helperTokens.byToken(token) : undefined;
    if (helper === undefined) {
      await jwt(ctx, next);
      return;
    }
    ctx.state.principal = { subject: helper.helperId, roles: ['helper'] };
    ctx.state.helperIncidents = helper.incidentIds;
    await next();
  };
}

/** The ETag of a resource at `version` (RFC 9110 §8.8.3), for optimistic locking with If-Match. */
export const etag = (version: number) => ({ ETag: `"${version}"` });

/** The `If-Match` header as the OpenAPI document lists it. */
export const ifMatch = { 'If-Match': { description: 'The ETag you read; alternative to `version` in the body' } };

/**
 * The version a write applies to: `version` in the body or an `If-Match` of a previous ETag.
 * Throws ValidationError (422) when neither is given, when they differ, or when If-Match is not an ETag of ours.
 */
export function expectedVersion(ctx: ParameterizedContext, fromBody: number | undefined): number {
  const header = ctx.get('if-match');
  const fromHeader = /^(?:W\/)?"(\d+)"$/.exec(header)?.[1];
  if (header !== '' && fromHeader === undefined) throw new ValidationError([domainProblems.ifMatchInvalid]);
  if (fromBody !== undefined && fromHeader !== undefined && Number(fromHeader) !== fromBody) {
    throw new ValidationError([domainProblems.versionMismatch]);
  }
  const version = fromBody ?? (fromHeader === undefined ? undefined : Number(fromHeader));
  if (version === undefined) throw new ValidationError([domainProblems.versionMissing]);
  return version;
}
