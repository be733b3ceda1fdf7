/**
 * A small route registry: each route states its inputs and responses as zod schemas once. The
 * same objects validate requests (mountRoutes) and generate the OpenAPI document (openapi.ts), so
 * the two cannot drift apart.
 */
import type Router from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import type { z } from 'zod';
import { BadRequestError, MethodNotAllowedError } from './errors.js';
import { cleanText, jsonBody, parseWith } from './validation.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  ctx: ParameterizedContext;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<P = undefined, Q = undefined, B = undefined> {
  method: HttpMethod;
  /** Koa-style path, e.g. `/v1/helpers/:id`. */
  path: string;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  headers?: Record<string, { description: string; required?: boolean }>;
  /** Shown in the document as bearer security; enforced by `middleware`. */
  security?: 'bearer';
  middleware?: Middleware[];
  responses: Record<number, ResponseSpec>;
  handler: (input: RouteInput<P, Q, B>) => Promise<RouteResult>;
}

// The registry holds routes of differing input types; their handlers are only called through mount.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

/** Whether the raw path and query string percent-decode to UTF-8 (decodeURIComponent throws otherwise). */
function urlIsUtf8(path: string, querystring: string): boolean {
  try {
    decodeURIComponent(path);
    decodeURIComponent(querystring.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

/**
 * Registers every route on `router`, validating params, query and body before the handler runs:
 * a URL that does not percent-decode to UTF-8 is a 400; params and query are normalised and checked
 * as bodies are (`cleanText`). Bodies are read only for routes that take one, after their auth middleware.
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], options: { bodyLimitBytes: number }): void {
  const readBody = jsonBody({ limit: options.bodyLimitBytes });
  for (const route of routes) {
    const handle: Middleware = async function routeHandler(ctx) {
      const schemas = route as { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
      if (!urlIsUtf8(ctx.path, ctx.querystring)) throw new BadRequestError('The URL is not percent-encoded UTF-8.');
      const params: unknown = schemas.params ? parseWith(schemas.params, cleanText({ ...ctx.params }, 'params'), 'params') : undefined;
      const query: unknown = schemas.query ? parseWith(schemas.query, cleanText({ ...ctx.query }, 'query'), 'query') : undefined;
      const body: unknown = schemas.body ? parseWith(schemas.body, ctx.request.body ?? {}, 'body') : undefined;
      const result = await route.handler({ params, query, body, ctx } as RouteInput<unknown, unknown, unknown>);
      for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
      ctx.status = result.status;
      if (result.body !== undefined) ctx.body = result.body;
    };
    router.register(route.path, [route.method.toUpperCase()], [...(route.middleware ?? []), ...(route.body ? [readBody] : []), handle], {
      name: `${route.method} ${route.path}`,
    });
  }
}

/**
 * Placed before `router.routes()` and `router.allowedMethods()`: turns the router's bare 405 and
 * 501 (a method no route of the path declares, e.g. TRACE, PROPFIND, LOCK) into a 405 problem
 * document with `Allow` (RFC 9110 §15.5.6) — never a 5xx an anonymous client can raise at will. An
 * unknown method on a path without routes is a 404, as any method there is.
 */
export function methodNotAllowed(): Middleware {
  return async function methodNotAllowedMiddleware(ctx, next) {
    await next();
    if ((ctx.status !== 405 && ctx.status !== 501) || ctx.body !== undefined) return;
    const allowed = ctx.response.get('Allow').split(',').map((m) => m.trim()).filter((m) => m !== '');
    ctx.remove('Allow');
    if (allowed.length === 0) {
      ctx.status = 404;
      return;
    }
    throw new MethodNotAllowedError(ctx.method, allowed);
  };
}
