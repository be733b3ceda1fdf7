import { createClient } from 'redis';
import type { Logger } from './logger.js';

function newClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });
}

export type RedisClient = ReturnType<typeof newClient>;

/**
 * A Redis client that fails fast while disconnected (no offline queue): the rate limiter fails
 * open and the outbox keeps events, instead of requests hanging until Redis returns. It reconnects
 * by itself; connecting does not block start-up.
 */
export function createRedis(url: string, logger: Logger): RedisClient {
  const client = newClient(url);
  let lastLogged = 0;
  client.on('error', (error: unknown) => {
    // One line per 10 s at most while Redis is away.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger.warn({ err: error }, 'redis unavailable');
    }
  });
  client.connect().catch((error: unknown) => logger.warn({ err: error }, 'redis connect failed; retrying'));
  return client;
}
