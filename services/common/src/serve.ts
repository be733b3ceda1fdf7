import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Lifecycle } from './health.js';
import type { Logger } from './logger.js';

export interface Serving {
  server: http.Server;
  port: number;
  /** The shutdown sequence; SIGTERM and SIGINT call it too. Resolves when everything is closed. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Listens, and on SIGTERM drains without dropping a request: readiness turns false at once while
 * the replica keeps serving for `drainMs` (the time load balancers need to stop sending), then the
 * server stops accepting and waits for in-flight requests (at most `timeoutMs`), and only then
 * `close` releases pools and clients.
 */
export async function serve(options: {
  app: Koa;
  port: number;
  host?: string;
  lifecycle: Lifecycle;
  logger: Logger;
  drainMs: number;
  timeoutMs: number;
  close: () => Promise<void>;
}): Promise<Serving> {
  const { lifecycle, logger } = options;
  const server = http.createServer(callbackOf(options.app));
  // Longer than a typical load balancer's idle timeout, so it never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  server.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'listening');

  let done: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> =>
    (done ??= (async () => {
      logger.info({ reason, drainMs: options.drainMs }, 'shutting down: readiness is false, draining');
      lifecycle.draining = true;
      await new Promise((resolve) => setTimeout(resolve, options.drainMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; closing their connections');
        server.closeAllConnections();
      }, options.timeoutMs);
      await closed;
      clearTimeout(force);
      await options.close();
      logger.info('shut down cleanly');
    })());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { server, port, shutdown };
}

/** Koa's callback returns a promise that node:http ignores; it never rejects (errors become responses). */
export function callbackOf(app: Koa): http.RequestListener {
  const handle = app.callback();
  return (req, res) => {
    void handle(req, res);
  };
}
