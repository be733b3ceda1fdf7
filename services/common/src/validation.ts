import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  fieldName,
  type FieldProblem,
} from './errors.js';

/**
 * One problem per zod issue, with a stable code `<field name>.<kind>`: `invalid_type` (also a
 * missing field), `too_small`, `too_big`, `unknown_field`, else `invalid` (formats, patterns,
 * enums, refinements). A custom issue may name its own kind in `params.code`.
 */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return { field, message: issue.message, code: `${fieldName(field)}.${kindOf(issue)}` };
  });
}

function kindOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
    case 'too_small':
    case 'too_big':
      return issue.code;
    case 'unrecognized_keys':
      return 'unknown_field';
    case 'custom': {
      const code = (issue.params as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' ? code : 'invalid';
    }
    default:
      return 'invalid';
  }
}

/**
 * Parses `value` with `schema`, throwing a 422 ValidationError that names every failing field, or
 * a 400 BadRequestError when a value could not even be decoded (an issue with `params.malformed`,
 * e.g. an opaque cursor that is not one of ours).
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error).map((p) => (where === undefined ? p : { ...p, field: `${where}.${p.field}` }));
  const malformed = result.error.issues.some((issue) => issue.code === 'custom' && (issue.params as { malformed?: unknown } | undefined)?.malformed === true);
  if (malformed) throw new BadRequestError('A value could not be decoded.', problems);
  throw new ValidationError(problems);
}

/** Deepest nesting a JSON body may have; the deepest of our schemas is 4, so this leaves room and bounds every walk. */
export const maxJsonDepth = 32;

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const loneSurrogate = /\p{Cs}/u;

/**
 * Reads JSON bodies strictly, the one way for every service (RFC 8259: JSON text is UTF-8):
 * - a body on POST/PUT/PATCH must be `application/json` (415), with no charset but UTF-8 (415);
 * - at most `limit` bytes (413; checked while streaming, so a huge body is never buffered);
 * - bytes that are not UTF-8 (400), nesting deeper than `maxJsonDepth` (400), not JSON (400);
 * - then every string is normalised to NFC, and strings PostgreSQL cannot store or that are not
 *   Unicode text (U+0000, lone surrogates) are a 422 naming the field (see `cleanText`).
 * The parsed value lands on `ctx.request.body`.
 */
export function jsonBody(options: { limit: number }): Middleware {
  return async function jsonBodyMiddleware(ctx, next) {
    if (bodyMethods.has(ctx.method)) {
      const length = ctx.request.length as number | undefined;
      const hasBody = (length !== undefined && length > 0) || ctx.get('transfer-encoding') !== '';
      if (hasBody) {
        if (ctx.request.is('application/json') === false) throw new UnsupportedMediaTypeError();
        const charset = ctx.request.charset.toLowerCase();
        if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
          throw new UnsupportedMediaTypeError(`Send the body as application/json in UTF-8, not ${charset.slice(0, 40)}.`);
        }
        let bytes: Buffer;
        try {
          bytes = await getRawBody(ctx.req, { limit: options.limit, length });
        } catch (error) {
          const type = (error as { type?: string }).type;
          if (type === 'entity.too.large') throw new PayloadTooLargeError(options.limit);
          throw new BadRequestError('The body could not be read.');
        }
        let text: string;
        try {
          text = utf8.decode(bytes);
        } catch {
          throw new BadRequestError('The body is not valid UTF-8.');
        }
        if (jsonDepthExceeds(text, maxJsonDepth)) throw new BadRequestError(`The body nests deeper than ${maxJsonDepth} levels.`);
        let body: unknown;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          throw new BadRequestError('The body is not valid JSON.');
        }
        ctx.request.body = cleanText(body, 'body');
      }
    }
    await next();
  };
}

/**
 * Whether JSON `text` nests arrays and objects deeper than `max`: a linear scan that skips string
 * contents, so it is safe on any input; JSON.parse validates the rest.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

/**
 * Normalises every string of a parsed JSON value (or of a query or path parameter object) to
 * Unicode NFC in place, so the same text typed on two keyboards is stored and compared alike;
 * throws a 422 naming the fields that hold U+0000 (PostgreSQL cannot store it in text or jsonb) or
 * a lone surrogate (not Unicode text; it would be stored as U+FFFD). Iterative: no recursion, so
 * any nesting is safe. Object keys are checked but not rewritten (strict schemas refuse unknown
 * keys anyway). Returns `value`.
 */
export function cleanText<T>(value: T, root: string): T {
  const problems: FieldProblem[] = [];
  // In a `u` regex a paired surrogate is one astral code point, so \p{Cs} finds only lone ones.
  const check = (text: string, path: string) => {
    if (text.includes('\0')) problems.push({ field: path, message: 'must not contain the NUL character (\\u0000)' });
    else if (loneSurrogate.test(text)) problems.push({ field: path, message: 'must be Unicode text (a lone surrogate is not)' });
  };
  if (typeof value === 'string') {
    check(value, root);
    if (problems.length > 0) throw new ValidationError(problems);
    return value.normalize('NFC') as T;
  }
  const stack: Array<{ node: unknown; path: string }> = [{ node: value, path: root }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: string };
    if (node === null || typeof node !== 'object') continue;
    const entries: Array<[string, unknown]> = Array.isArray(node) ? node.map((item, index) => [String(index), item]) : Object.entries(node);
    for (const [key, item] of entries) {
      const at = `${path}.${key}`;
      if (!Array.isArray(node)) check(key, path);
      if (typeof item === 'string') {
        check(item, at);
        const normal = item.normalize('NFC');
        // defineProperty, not assignment: a JSON key "__proto__" is an own property, never the prototype.
        if (normal !== item) Object.defineProperty(node, key, { value: normal, writable: true, enumerable: true, configurable: true });
      } else if (item !== null && typeof item === 'object') stack.push({ node: item, path: at });
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return value;
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
