import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Errors are logged with name, message, code and stack only: database errors carry the statement's
 * parameters and the failing row, which hold personal data.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown; parent?: { code?: unknown } }).parent?.code ?? (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(code === undefined ? {} : { code }), stack: error.stack };
}

/** The service's logger; `destination` (default stdout) lets tests read what would be logged. */
export function createLogger(options: { name: string; level: string }, destination?: DestinationStream): Logger {
  const config: LoggerOptions = {
    name: options.name,
    level: options.level,
    serializers: { err: safeError },
    // Contact data must never reach logs, even when a body is logged by mistake.
    redact: ['req.headers.authorization', '*.phone', '*.email', '*.name', 'contact'],
  };
  return destination ? pino(config, destination) : pino(config);
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new UUID), a child
 * logger carrying it on `ctx.state.log`, the id in the response header, and one access-log line.
 */
export function requestContext(logger: Logger): Middleware {
  return async function requestContextMiddleware(ctx, next) {
    const incoming = ctx.get('x-request-id');
    const requestId = requestIdPattern.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    ctx.res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    });
    await next();
  };
}

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
  }
}
