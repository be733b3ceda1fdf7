import type { Logger } from './logger.js';
import type { RedisClient } from './redis.js';

export interface BusEvent {
  /** Stable event id from the outbox; the same event published twice has the same id. */
  id: string;
  type: string;
  payload: Record<string, unknown>;
  occurredAt: string;
  /** The Redis stream entry id (differs between duplicates). */
  entryId: string;
}

interface StreamReply {
  name: string;
  messages: Array<{ id: string; message: Record<string, string> }>;
}

export interface Consumer {
  stop(): Promise<void>;
}

/**
 * Consumes `stream` as member `consumer` of consumer group `group`. Events are acknowledged after
 * `handle` succeeded; one that fails stays pending and is handed out again on the next start.
 * Duplicates (same event id) are dropped through a Redis key per event kept for `dedupSeconds`.
 * Without `dedupPrefix` every delivery reaches `handle`, which must then be idempotent itself (e.g.
 * by recording the event id in the same database transaction as its effect): the Redis key is set
 * before `handle` runs, so a crash in between would drop the event on its redelivery.
 */
export async function consumeEvents(options: {
  redis: RedisClient;
  stream: string;
  group: string;
  consumer: string;
  dedupPrefix?: string;
  dedupSeconds?: number;
  blockMs?: number;
  logger: Logger;
  handle: (event: BusEvent) => Promise<void>;
}): Promise<Consumer> {
  const { redis, stream, group, consumer, logger } = options;
  try {
    await redis.xGroupCreate(stream, group, '0', { MKSTREAM: true });
  } catch (error) {
    if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
  }
  // XREADGROUP BLOCK holds its connection; it must not stall the caller's other commands.
  const reader = redis.duplicate();
  reader.on('error', (error: unknown) => logger.warn({ err: error }, 'bus reader: redis error'));
  await reader.connect();
  let running = true;

  const process = async (entryId: string, fields: Record<string, string>): Promise<void> => {
    const event: BusEvent = {
      id: fields.id ?? entryId,
      type: fields.type ?? 'unknown',
      payload: JSON.parse(fields.payload ?? '{}') as Record<string, unknown>,
      occurredAt: fields.occurredAt ?? '',
      entryId,
    };
    if (options.dedupPrefix === undefined) {
      await options.handle(event);
      await redis.xAck(stream, group, entryId);
      return;
    }
    const dedupKey = `${options.dedupPrefix}${group}:${event.id}`;
    const first = await redis.set(dedupKey, entryId, { NX: true, EX: options.dedupSeconds ?? 7 * 24 * 3600 });
    if (first === null) {
      await redis.xAck(stream, group, entryId);
      return;
    }
    try {
      await options.handle(event);
    } catch (error) {
      await redis.del(dedupKey);
      throw error;
    }
    await redis.xAck(stream, group, entryId);
  };

  const loop = (async () => {
    // First what this consumer was handed before and did not acknowledge, then new entries.
    let cursor = '0';
    while (running) {
      try {
        const reply: unknown = await reader.xReadGroup(group, consumer, { key: stream, id: cursor }, {
          COUNT: 100,
          BLOCK: cursor === '>' ? (options.blockMs ?? 1_000) : undefined,
        });
        // The client types this reply loosely; its RESP3 shape is fixed.
        const messages = (reply as StreamReply[] | null)?.[0]?.messages ?? [];
        if (cursor === '0' && messages.length === 0) cursor = '>';
        for (const message of messages) {
          try {
            await process(message.id, message.message);
          } catch (error) {
            logger.error({ err: error, entryId: message.id }, 'event handler failed; it stays pending');
          }
        }
      } catch (error) {
        if (!running) break;
        logger.warn({ err: error }, 'bus reader failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
      reader.destroy();
    },
  };
}
