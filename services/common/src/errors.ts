/**
 * Domain errors that handlers throw; the error middleware turns them into RFC 9457 problem
 * documents. Only what is set here reaches clients: never a stack trace or an internal message.
 */

export interface FieldProblem {
  /** JSON-pointer-like path of the failing field, e.g. `contact.phone`. */
  field: string;
  message: string;
  /**
   * Stable machine code, `<field name>.<kind>` (e.g. `email.invalid`, `skills.too_small`,
   * `version.invalid_type`): clients map codes, never the English `message`. @default `<field name>.invalid`
   */
  code?: string;
}

/** The field's own name in a path (`body.contact.email` → `email`, `availability.0.to` → `to`, `(root)` → `body`). */
export function fieldName(path: string): string {
  const parts = path.split('.').filter((part) => part !== '' && part !== '(root)' && !/^\d+$/.test(part));
  const last = parts.at(-1);
  return last === undefined || ['body', 'query', 'params', 'header'].includes(last) ? 'body' : last;
}

/** Every problem with its code (the given one, or `<field name>.invalid`). */
export function withCodes(problems: readonly FieldProblem[]): Array<Required<FieldProblem>> {
  return problems.map((p) => ({ ...p, code: p.code ?? `${fieldName(p.field)}.invalid` }));
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const typeBase = 'https://kathelfer.de/problems/';

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = new.target.name;
  }

  toProblem(instance?: string): ProblemDocument {
    return {
      type: `${typeBase}${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.message === this.title ? {} : { detail: this.message }),
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}

/** 400: the request cannot be read at all (not JSON, not UTF-8, a cursor that does not decode); `errors` names fields when known. */
export class BadRequestError extends DomainError {
  constructor(detail: string, errors?: FieldProblem[]) {
    super(400, 'bad-request', 'Bad request', detail, errors === undefined ? {} : { errors: withCodes(errors) });
  }
}

export class ValidationError extends DomainError {
  constructor(readonly errors: FieldProblem[], detail = 'The request has invalid fields.') {
    super(422, 'validation', 'Invalid request', detail, { errors: withCodes(errors) });
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail = 'Your role does not allow this.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends DomainError {
  constructor(detail = 'No such resource.') {
    super(404, 'not-found', 'Not found', detail);
  }
}

export class ConflictError extends DomainError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'conflict', 'Conflict', detail, extensions);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limit: number) {
    super(413, 'payload-too-large', 'Payload too large', `The body must not exceed ${limit} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(detail = 'Send the body as application/json.') {
    super(415, 'unsupported-media-type', 'Unsupported media type', detail);
  }
}

/** 405 with the `Allow` header (RFC 9110 §15.5.6): the path exists, the method does not. */
export class MethodNotAllowedError extends DomainError {
  constructor(method: string, allowed: readonly string[]) {
    super(405, 'method-not-allowed', 'Method not allowed', `${method} is not allowed here; use ${allowed.join(', ')}.`, {}, { Allow: allowed.join(', ') });
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(429, 'too-many-requests', 'Too many requests', `Try again in ${retryAfterSeconds} s.`, {}, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(detail = 'The service cannot take this request right now; retry shortly.') {
    super(503, 'unavailable', 'Service unavailable', detail, {}, { 'Retry-After': '1' });
  }
}
