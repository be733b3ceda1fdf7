import type { z } from 'zod';
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
  /**
   * When set, entries another member (or this one) was handed and has not acknowledged for this
   * long are claimed (XAUTOCLAIM) and handled here: a replica that died, or whose pod name changed
   * with a restart, leaves nothing pending for ever, and a failed event is retried without a restart.
   */
  claimIdleMs?: number;
  logger: Logger;
  /** Payload schemas by event type; an event that fails its schema goes to `<stream>:dead-letter`, not to `handle`. */
  schemas?: Record<string, z.ZodType>;
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
    const schema = options.schemas?.[event.type];
    const checked = schema?.safeParse(event.payload);
    if (checked !== undefined && !checked.success) {
      logger.error({ eventId: event.id, type: event.type, issues: checked.error.issues.length }, 'event does not match its schema; dead-lettered');
      await redis.xAdd(`${stream}:dead-letter`, '*', { ...fields, group, reason: checked.error.message.slice(0, 2000) });
      await redis.xAck(stream, group, entryId);
      return;
    }
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

  const handleAll = async (messages: ReadonlyArray<{ id: string; message: Record<string, string> } | null>): Promise<void> => {
    for (const message of messages) {
      if (message === null) continue;
      try {
        await process(message.id, message.message);
      } catch (error) {
        logger.error({ err: error, entryId: message.id }, 'event handler failed; it stays pending');
      }
    }
  };

  let lastClaim = 0;
  const claimStale = async (): Promise<void> => {
    const idle = options.claimIdleMs;
    if (idle === undefined || Date.now() - lastClaim < Math.max(idle / 2, 200)) return;
    lastClaim = Date.now();
    let start = '0-0';
    do {
      const claimed = await redis.xAutoClaim(stream, group, consumer, idle, start, { COUNT: 100 });
      await handleAll(claimed.messages);
      start = claimed.nextId;
    } while (running && start !== '0-0');
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
        await handleAll(messages);
        await claimStale();
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
