import type { Logger } from './logger.js';
import type { RedisClient } from './redis.js';

export interface BusEvent {
  /** Stable event id from the outbox; the same event published twice has the same id. */
  id: string;
  type: string;
  /** The contract version of the payload (@kathelfer/contracts); 1 for entries written before versions were recorded. */
  version: number;
  payload: Record<string, unknown>;
  occurredAt: string;
  /** The Redis stream entry id (differs between duplicates). */
  entryId: string;
  /** Why the entry could not be read as an event (its payload is not a JSON object), if so: it is dead-lettered, never handled. */
  unreadable?: string;
}

/**
 * Thrown by a handler for an event of a version newer than it knows: during a rolling update a
 * newer replica of the same consumer group can read it, so it stays pending and is claimed again
 * after the idle time (by whichever member claims it) instead of being dead-lettered.
 */
export class NewerVersion extends Error {
  constructor(type: string, version: number, known: readonly number[]) {
    super(`${type} v${version} is newer than this replica reads (v${known.join(', v')}); left pending for a newer replica`);
    this.name = 'NewerVersion';
  }
}

/** The stream next to `stream` that keeps the events consumer groups could not parse: `<stream>:dead-letter`. */
export function deadLetterStream(stream: string): string {
  return `${stream}:dead-letter`;
}

/**
 * Moves `event` to the dead-letter stream with the consumer group and the reason, for a person to
 * read, fix and replay (docs/runbook.md "KathelferEventsDeadLettered"). The caller acknowledges it.
 */
export async function deadLetter(redis: RedisClient, stream: string, group: string, event: BusEvent, reason: string): Promise<void> {
  await redis.xAdd(deadLetterStream(stream), '*', {
    id: event.id,
    type: event.type,
    version: String(event.version),
    payload: JSON.stringify(event.payload),
    occurredAt: event.occurredAt,
    entryId: event.entryId,
    group,
    reason: reason.slice(0, 2000),
  });
}

/** Reads a stream entry's fields as an event; never throws (a malformed entry is marked `unreadable`). */
export function parseEntry(entryId: string, fields: Record<string, string>): BusEvent {
  const version = Number(fields.version ?? '1');
  const event: BusEvent = {
    id: fields.id ?? entryId,
    type: fields.type ?? 'unknown',
    version: Number.isSafeInteger(version) && version > 0 ? version : 0,
    payload: {},
    occurredAt: fields.occurredAt ?? '',
    entryId,
  };
  try {
    const payload: unknown = JSON.parse(fields.payload ?? '{}');
    if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) event.payload = payload as Record<string, unknown>;
    else event.unreadable = 'the payload is not a JSON object';
  } catch (error) {
    event.unreadable = `the payload is not JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  return event;
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
  /** Handles one event; it is acknowledged when this resolves. Give this or `handleBatch`. */
  handle?: (event: BusEvent) => Promise<void>;
  /**
   * Handles the events of one read batch (up to 100, in stream order, entries that are not events
   * already dead-lettered) and resolves to those it is done with: only those are acknowledged, in
   * one XACK; the others stay pending and are claimed again after `reclaimIdleMs`. If it throws,
   * none is acknowledged. Not with `dedupPrefix` or `keyOf` (refused), and `concurrency` does not
   * apply: the batch is one unit.
   */
  handleBatch?: (events: BusEvent[]) => Promise<readonly BusEvent[]>;
  /** Called for each entry dead-lettered here (one that is not an event at all), e.g. to count it. */
  onDeadLetter?: (event: BusEvent) => void;
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
  if ((options.handle === undefined) === (options.handleBatch === undefined)) throw new Error('consumeEvents: give exactly one of handle and handleBatch');
  if (options.handleBatch !== undefined && (options.dedupPrefix !== undefined || options.keyOf !== undefined)) {
    throw new Error('consumeEvents: handleBatch handles a read batch as one unit; it takes neither dedupPrefix nor keyOf');
  }
  const handle = options.handle;
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

  const parse = parseEntry;

  /** Dead-letters and acknowledges `event` if it is not even an event; returns whether it was. */
  const deadLetterUnreadable = async (event: BusEvent): Promise<boolean> => {
    // Schemas are the contract consumer's business (contract-consumer.ts); an entry that is not even an event is dead-lettered here.
    const unfit = event.unreadable;
    if (unfit === undefined) return false;
    logger.error({ eventId: event.id, type: event.type, reason: unfit.slice(0, 500) }, 'stream entry is not an event; dead-lettered');
    options.onDeadLetter?.(event);
    await deadLetter(redis, stream, group, event, unfit);
    await redis.xAck(stream, group, event.entryId);
    return true;
  };

  const process = async (event: BusEvent): Promise<void> => {
    const { entryId } = event;
    if (handle === undefined || (await deadLetterUnreadable(event))) return;
    if (options.dedupPrefix === undefined) {
      await handle(event);
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
      await handle(event);
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
      if (error instanceof NewerVersion) logger.warn({ eventId: event.id, type: event.type, version: event.version, entryId: event.entryId }, error.message);
      else logger.error({ err: error, entryId: event.entryId }, 'event handler failed; it stays pending and is retried later');
    }
  };

  /** handleBatch's way: one call for the read batch, one XACK for what it is done with. Returns how many stay pending. */
  const handleAsBatch = async (handleBatch: (events: BusEvent[]) => Promise<readonly BusEvent[]>, events: BusEvent[]): Promise<number> => {
    const readable: BusEvent[] = [];
    let pending = 0;
    for (const event of events) {
      try {
        if (!(await deadLetterUnreadable(event))) readable.push(event);
      } catch (error) {
        pending += 1;
        logger.error({ err: error, entryId: event.entryId }, 'dead-lettering failed; the entry stays pending and is retried later');
      }
    }
    if (readable.length === 0) return pending;
    try {
      const done = await handleBatch(readable);
      if (done.length > 0) await redis.xAck(stream, group, done.map((e) => e.entryId));
      pending += readable.length - done.length;
    } catch (error) {
      pending += readable.length;
      logger.error({ err: error, events: readable.length }, 'batch handler failed; its events stay pending and are retried later');
    }
    return pending;
  };

  /** Handles a batch; returns how many failed. */
  const handleBatch = async (events: BusEvent[]): Promise<number> => {
    if (options.handleBatch !== undefined) return handleAsBatch(options.handleBatch, events);
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
