/**
 * A small route registry: each route states its inputs and responses as zod schemas once. The
 * same objects validate requests (mountRoutes) and generate the OpenAPI document (openapi.ts), so
 * the two cannot drift apart.
 */
import type Router from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import type { z } from 'zod';
import { jsonBody, parseWith } from './validation.js';

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

/**
 * Registers every route on `router`, validating params, query and body before the handler runs.
 * Bodies are read only for routes that take one, after their auth middleware.
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], options: { bodyLimitBytes: number }): void {
  const readBody = jsonBody({ limit: options.bodyLimitBytes });
  for (const route of routes) {
    const handle: Middleware = async function routeHandler(ctx) {
      const schemas = route as { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
      const params: unknown = schemas.params ? parseWith(schemas.params, ctx.params, 'params') : undefined;
      const query: unknown = schemas.query ? parseWith(schemas.query, ctx.query, 'query') : undefined;
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
