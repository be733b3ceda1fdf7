import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldProblem,
} from './errors.js';

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses `value` with `schema`, throwing a 422 ValidationError that names every failing field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error);
  throw new ValidationError(where === undefined ? problems : problems.map((p) => ({ ...p, field: `${where}.${p.field}` })));
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Reads JSON bodies strictly: a body on POST/PUT/PATCH must be `application/json` (415 otherwise),
 * at most `limit` bytes (413; checked while streaming, so a huge body is never buffered), and parse
 * (400). The parsed value lands on `ctx.request.body`.
 */
export function jsonBody(options: { limit: number }): Middleware {
  return async function jsonBodyMiddleware(ctx, next) {
    if (bodyMethods.has(ctx.method)) {
      const length = ctx.request.length as number | undefined;
      const hasBody = (length !== undefined && length > 0) || ctx.get('transfer-encoding') !== '';
      if (hasBody) {
        if (ctx.request.is('application/json') === false) throw new UnsupportedMediaTypeError();
        let text: string;
        try {
          text = await getRawBody(ctx.req, { limit: options.limit, length, encoding: 'utf8' });
        } catch (error) {
          const type = (error as { type?: string }).type;
          if (type === 'entity.too.large') throw new PayloadTooLargeError(options.limit);
          throw new BadRequestError('The body could not be read.');
        }
        let body: unknown;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          throw new BadRequestError('The body is not valid JSON.');
        }
        // PostgreSQL cannot store U+0000 in text or jsonb: refuse it here, naming the field, rather
        // than fail at the INSERT. Raw control characters are invalid JSON, so only the escape can
        // bring one in, and the cheap text check keeps the walk off the usual path.
        if (text.includes('\\u0000')) {
          const fields = nulFields(body, 'body');
          if (fields.length > 0) throw new ValidationError(fields.map((field) => ({ field, message: 'must not contain the NUL character (\\u0000)' })));
        }
        ctx.request.body = body;
      }
    }
    await next();
  };
}

function nulFields(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\0') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => nulFields(item, `${path}.${index}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [...(key.includes('\0') ? [path] : []), ...nulFields(item, `${path}.${key}`)]);
  }
  return [];
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
