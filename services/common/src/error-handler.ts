import type { Middleware } from 'koa';
import { ZodError } from 'zod';
import {
  BadRequestError,
  ConflictError,
  DomainError,
  ServiceUnavailableError,
  ValidationError,
  type ProblemDocument,
} from './errors.js';
import { isDataException, lostConnectionMessage, unavailableCodes } from './db-errors.js';
import type { Logger } from './logger.js';
import { fieldProblems } from './validation.js';

const problemType = 'application/problem+json';

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; parent?: { code?: unknown }; original?: { code?: unknown } };
  const code = e.parent?.code ?? e.original?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}

function isConnectionError(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof name === 'string' && /^Sequelize(Connection\w*|Timeout)Error$/.test(name)) return true;
  if (typeof name === 'string' && name.startsWith('Sequelize') && typeof message === 'string' && lostConnectionMessage.test(message)) return true;
  const code = sqlState(error);
  return code !== undefined && unavailableCodes.has(code);
}

/** Maps anything thrown to a domain error; undefined for real bugs (they become a bare 500). */
export function toDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof ZodError) return new ValidationError(fieldProblems(error));
  if (sqlState(error) === '23505') return new ConflictError('This resource exists already.');
  if (isDataException(sqlState(error))) return new BadRequestError('A value in the request is out of the range the service can store or compare.');
  if (isConnectionError(error)) return new ServiceUnavailableError();
  // Errors from koa's own ctx.throw / http-errors that are meant for the client (e.g. 405).
  const e = error as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return new DomainError(e.status, 'http', typeof e.message === 'string' ? e.message : 'Client error');
  }
  return undefined;
}

/**
 * The one error middleware, first in every stack: answers every error as an RFC 9457 problem
 * document and logs 5xx with the stack (which the client never sees). Unmatched routes become 404.
 */
export function errorHandler(logger: Logger): Middleware {
  return async function errorHandlerMiddleware(ctx, next) {
    let problem: ProblemDocument;
    try {
      await next();
      if (ctx.status !== 404 || ctx.body !== undefined) return;
      problem = new DomainError(404, 'not-found', 'Not found', `No route for ${ctx.method} ${ctx.path}.`).toProblem(ctx.path);
    } catch (error) {
      const log: Logger = (ctx.state.log) ?? logger;
      const domain = toDomainError(error);
      if (domain === undefined) {
        log.error({ err: error }, 'unhandled error');
        problem = { type: 'about:blank', title: 'Internal Server Error', status: 500 };
      } else {
        // A data exception means a schema let through a value the database refuses: worth fixing.
        if (domain.status >= 500 || isDataException(sqlState(error))) log.warn({ err: error }, domain.title);
        for (const [name, value] of Object.entries(domain.headers)) ctx.set(name, value);
        problem = domain.toProblem(ctx.path);
      }
    }
    if (ctx.state.requestId !== undefined) problem.requestId = ctx.state.requestId;
    ctx.status = problem.status;
    ctx.type = problemType;
    ctx.body = problem;
  };
}
