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
 * `handle` succeeded; one that fails stays pending and is claimed again after `reclaimIdleMs`.
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
  /** Payload schemas by event type; an event that fails its schema goes to `<stream>:dead-letter`, not to `handle`. */
  schemas?: Record<string, z.ZodType>;
  handle: (event: BusEvent) => Promise<void>;
  /**
   * Handles events of different keys in parallel, up to `concurrency` at a time, and events of one
   * key in stream order (e.g. key = the helper an event is about). Without `keyOf`, one at a time.
   */
  keyOf?: (event: BusEvent) => string;
  concurrency?: number;
  /**
   * Entries left unacknowledged this long — by a member that crashed (replicas get new names) or
   * by a failed handler of this one — are claimed and handled again. @default 60000
   */
  reclaimIdleMs?: number;
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

  const parse = (entryId: string, fields: Record<string, string>): BusEvent => ({
    id: fields.id ?? entryId,
    type: fields.type ?? 'unknown',
    payload: JSON.parse(fields.payload ?? '{}') as Record<string, unknown>,
    occurredAt: fields.occurredAt ?? '',
    entryId,
  });

  const process = async (event: BusEvent): Promise<void> => {
    const { entryId } = event;
    const schema = options.schemas?.[event.type];
    const checked = schema?.safeParse(event.payload);
    if (checked !== undefined && !checked.success) {
      logger.error({ eventId: event.id, type: event.type, issues: checked.error.issues.length }, 'event does not match its schema; dead-lettered');
      await redis.xAdd(`${stream}:dead-letter`, '*', {
        id: event.id, type: event.type, payload: JSON.stringify(event.payload), occurredAt: event.occurredAt, group,
        reason: checked.error.message.slice(0, 2000),
      });
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

  let failures = 0;
  const handleOne = async (event: BusEvent): Promise<void> => {
    try {
      await process(event);
    } catch (error) {
      failures += 1;
      logger.error({ err: error, entryId: event.entryId }, 'event handler failed; it stays pending and is retried later');
    }
  };

  /** Handles a batch; returns how many failed. */
  const handleBatch = async (events: BusEvent[]): Promise<number> => {
    const before = failures;
    const keyOf = options.keyOf;
    if (keyOf === undefined) {
      for (const event of events) await handleOne(event);
      return failures - before;
    }
    const queues = new Map<string, BusEvent[]>();
    for (const event of events) {
      const key = keyOf(event);
      queues.set(key, [...(queues.get(key) ?? []), event]);
    }
    const pending = [...queues.values()];
    const worker = async () => {
      for (let queue = pending.shift(); queue !== undefined; queue = pending.shift()) {
        for (const event of queue) await handleOne(event);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, pending.length)) }, worker));
    return failures - before;
  };

  const reclaimIdleMs = options.reclaimIdleMs ?? 60_000;
  let lastReclaim = Date.now();
  const reclaim = async (): Promise<void> => {
    lastReclaim = Date.now();
    let start = '0-0';
    do {
      const claimed = await reader.xAutoClaim(stream, group, consumer, reclaimIdleMs, start, { COUNT: 100 });
      const messages = claimed.messages.flatMap((m) => (m === null ? [] : [parse(m.id, m.message as Record<string, string>)]));
      await handleBatch(messages);
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
        const failed = await handleBatch(messages.map((m) => parse(m.id, m.message)));
        // Failures of the start-up pass wait for the reclaim, instead of being re-read at once forever.
        if (cursor === '0' && (messages.length === 0 || failed > 0)) cursor = '>';
        // half the idle time: an entry is taken over at most 1.5 × reclaimIdleMs after it stalled
        if (cursor === '>' && Date.now() - lastReclaim >= Math.max(reclaimIdleMs / 2, 200)) await reclaim();
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
