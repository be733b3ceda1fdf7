/**
 * The one way a service consumes a stream: each event is parsed with its contract
 * (@kathelfer/contracts), applied once inside a database transaction that also records its event
 * id, and what cannot be parsed is dead-lettered (`<stream>:dead-letter`) and counted — never
 * dropped silently, never retried forever. Every outcome is counted in `bus_events_total`.
 * consumeContractBatches does the same with one transaction per read batch, for streams that
 * bring thousands of events at once.
 */
import { contracts, type Contracts, type EventTypeOf, type StreamKey } from '@kathelfer/contracts';
import { Counter } from 'prom-client';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { z } from 'zod';
import { consumeEvents, deadLetter, NewerVersion, type BusEvent, type Consumer } from './bus.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RedisClient } from './redis.js';

/** What happened to one delivery: the label `outcome` of `bus_events_total`. */
export type Outcome = 'applied' | 'duplicate' | 'ignored' | 'dead_lettered' | 'newer_version';

export interface ApplyContext {
  /** The transaction the event id is recorded in: write the event's effect in it. */
  transaction: Transaction;
  event: BusEvent;
}

/** How a consumer reads one event type: a schema per version it understands, and what to do. */
export interface VersionedHandler<R> {
  versions: Readonly<Record<number, z.ZodType>>;
  apply(payload: unknown, context: ApplyContext): Promise<R>;
}

type Versions<S extends StreamKey, T extends EventTypeOf<S>> = Contracts[S]['events'][T] extends { versions: infer V } ? V : never;
/** The payload of any version of `type` the contract still has on the bus. */
export type AnyVersion<S extends StreamKey, T extends EventTypeOf<S>> = {
  [V in keyof Versions<S, T>]: Versions<S, T>[V] extends z.ZodType ? z.output<Versions<S, T>[V]> : never;
}[keyof Versions<S, T>];

/** Handlers by event type, typed from the contracts; a type without a handler is not this group's business. */
export type ContractHandlers<S extends StreamKey, R> = {
  [T in EventTypeOf<S>]?: (payload: AnyVersion<S, T>, context: ApplyContext) => Promise<R>;
};

const counters = new WeakMap<Metrics, Counter<'stream' | 'group' | 'type' | 'outcome'>>();

/** `bus_events_total{stream,group,type,outcome}`, one per registry. */
export function busEventCounter(metrics: Metrics): Counter<'stream' | 'group' | 'type' | 'outcome'> {
  let counter = counters.get(metrics);
  if (counter === undefined) {
    counter = new Counter({
      name: 'bus_events_total',
      help: 'Bus events consumed, by stream, consumer group, type and outcome (applied, duplicate, ignored, dead_lettered, newer_version)',
      labelNames: ['stream', 'group', 'type', 'outcome'] as const,
      registers: [metrics.registry],
    });
    counters.set(metrics, counter);
  }
  return counter;
}

export interface ConsumeOptions<R> {
  redis: RedisClient;
  sequelize: Sequelize;
  /** The consuming service's database schema, holding `processed_events` (createProcessedEventsTable). */
  schema: string;
  /** `<REDIS_PREFIX>events:`; the stream's key is this followed by the stream's name. */
  streamPrefix: string;
  group: string;
  consumer: string;
  logger: Logger;
  metrics: Metrics;
  /** Runs after the transaction that applied an event committed (not for duplicates): wake a planner, kick the relay. */
  afterCommit?: (result: R, event: BusEvent) => Promise<void> | void;
  /** Events of one key in stream order, different keys in parallel (consumeEvents `keyOf`). */
  keyOf?: (event: BusEvent) => string;
  concurrency?: number;
  blockMs?: number;
  reclaimIdleMs?: number;
}

/**
 * Consumes the contract stream `stream` as consumer group `group` with `handlers` (by event type,
 * typed from the contracts). Each version the contract declares is accepted.
 */
export function consumeContract<S extends StreamKey, R>(
  options: ConsumeOptions<R> & { stream: S; handlers: ContractHandlers<S, R> },
): Promise<Consumer> {
  const stream = contracts[options.stream];
  const versioned: Record<string, VersionedHandler<R>> = {};
  for (const [type, apply] of Object.entries(options.handlers) as Array<[string, ((payload: unknown, context: ApplyContext) => Promise<R>) | undefined]>) {
    const contract = (stream.events as Record<string, { versions: Record<number, z.ZodType> }>)[type];
    if (apply === undefined || contract === undefined) continue;
    versioned[type] = { versions: contract.versions, apply };
  }
  return consumeVersioned({ ...options, stream: stream.name, handlers: versioned });
}

/**
 * The machinery under consumeContract, with the versions a replica understands given explicitly:
 * what a rolling update looks like when old and new replicas read the same stream.
 */
export async function consumeVersioned<R>(options: ConsumeOptions<R> & { stream: string; handlers: Readonly<Record<string, VersionedHandler<R>>> }): Promise<Consumer> {
  const { redis, sequelize, group, handlers } = options;
  const { streamKey, count, read } = reading(options, handlers);
  const table = `"${options.schema}".processed_events`;

  const handle = async (event: BusEvent): Promise<void> => {
    const parsed = await read(event);
    if (parsed === undefined) return;
    const handler = handlers[event.type]!;
    const outcome = await sequelize.transaction(async (transaction) => {
      const fresh = await sequelize.query(`INSERT INTO ${table} (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`, {
        bind: [event.id, event.type],
        type: QueryTypes.SELECT,
        transaction,
      });
      if (fresh.length === 0) return { duplicate: true as const };
      return { duplicate: false as const, result: await handler.apply(parsed.payload, { transaction, event }) };
    });
    if (outcome.duplicate) {
      count(event, 'duplicate');
      return;
    }
    count(event, 'applied');
    await options.afterCommit?.(outcome.result, event);
  };

  return consumeEvents({
    redis,
    stream: streamKey,
    group,
    consumer: options.consumer,
    logger: options.logger,
    keyOf: options.keyOf,
    concurrency: options.concurrency,
    blockMs: options.blockMs,
    reclaimIdleMs: options.reclaimIdleMs,
    onDeadLetter: (event) => count(event, 'dead_lettered'),
    handle,
  });
}

/**
 * What both ways of consuming share: `read` parses an event with the schema of its version, or
 * counts it as ignored (no handler), dead-letters it (it breaks its contract; the caller
 * acknowledges it) or throws NewerVersion (it stays pending for a replica that reads it).
 */
function reading(options: Pick<ConsumeOptions<unknown>, 'redis' | 'streamPrefix' | 'group' | 'logger' | 'metrics'> & { stream: string }, handlers: Readonly<Record<string, { versions: Readonly<Record<number, z.ZodType>> }>>) {
  const { redis, group, logger } = options;
  const streamKey = `${options.streamPrefix}${options.stream}`;
  const counter = busEventCounter(options.metrics);
  const count = (event: BusEvent, outcome: Outcome, n = 1) => counter.inc({ stream: options.stream, group, type: event.type, outcome }, n);
  const read = async (event: BusEvent): Promise<{ payload: unknown } | undefined> => {
    const handler = Object.hasOwn(handlers, event.type) ? handlers[event.type] : undefined;
    if (handler === undefined) {
      count(event, 'ignored');
      return undefined;
    }
    const known = Object.keys(handler.versions).map(Number);
    const schema = handler.versions[event.version];
    if (schema === undefined && event.version > Math.max(...known)) {
      count(event, 'newer_version');
      throw new NewerVersion(event.type, event.version, known);
    }
    const parsed = schema?.safeParse(event.payload);
    if (parsed === undefined || !parsed.success) {
      const reason = parsed === undefined ? `version ${event.version} is no longer read (this group reads v${known.join(', v')})` : parsed.error.message;
      logger.error({ eventId: event.id, type: event.type, version: event.version, group, reason: reason.slice(0, 500) }, 'event breaks its contract; dead-lettered');
      await deadLetter(redis, streamKey, group, event, reason);
      count(event, 'dead_lettered');
      return undefined;
    }
    return { payload: parsed.data };
  };
  return { streamKey, count, read };
}

/** One event of a batch, parsed with its contract: `type` (one of `T`) tells the payload's shape. */
export type ContractBatchItem<S extends StreamKey, T extends EventTypeOf<S> = EventTypeOf<S>> = {
  [K in T]: { type: K; payload: AnyVersion<S, K>; event: BusEvent };
}[T];

export interface BatchContext {
  /** The one transaction the batch's event ids are recorded in: write the batch's effects in it. */
  transaction: Transaction;
}

export interface ConsumeBatchOptions<S extends StreamKey, T extends EventTypeOf<S>, R> extends Omit<ConsumeOptions<R>, 'afterCommit' | 'keyOf' | 'concurrency'> {
  stream: S;
  /** The event types this group applies; others are counted as ignored and acknowledged. */
  types: readonly T[];
  /**
   * Applies the new events of one read batch (never one applied before, each once, in stream
   * order) inside `transaction`. If it throws, the batch is rolled back and its events are applied
   * again one call each, so one bad event holds back only itself.
   */
  applyBatch: (items: Array<ContractBatchItem<S, T>>, context: BatchContext) => Promise<R>;
  /** Runs after a transaction that applied events committed, with them (not with duplicates). */
  afterCommit?: (result: R, events: readonly BusEvent[]) => Promise<void> | void;
}

/**
 * consumeContract for streams that bring many events at once (a matching round proposes
 * thousands): one transaction per read batch (up to 100 events) instead of one per event. The
 * batch's event ids are recorded in one statement (INSERT … ON CONFLICT DO NOTHING RETURNING:
 * the ids it returns are the new ones), and the handler gets only those. The guarantees are the
 * single-event path's: each event applied exactly once across redeliveries and replicas (the
 * primary key of processed_events; a replica recording the same id waits for the other's commit),
 * an event that breaks its contract dead-lettered and counted, a newer version left pending,
 * acknowledgements only after the commit. If the batch's transaction fails, its events are
 * applied one transaction each, and only those that fail again stay pending.
 */
export async function consumeContractBatches<S extends StreamKey, T extends EventTypeOf<S>, R>(options: ConsumeBatchOptions<S, T, R>): Promise<Consumer> {
  const { redis, sequelize, logger, group } = options;
  const contract = contracts[options.stream];
  const handlers: Record<string, { versions: Readonly<Record<number, z.ZodType>> }> = {};
  for (const type of options.types) {
    const event = (contract.events as Record<string, { versions: Record<number, z.ZodType> } | undefined>)[type];
    if (event !== undefined) handlers[type] = { versions: event.versions };
  }
  const { streamKey, count, read } = reading({ ...options, stream: contract.name }, handlers);
  const table = `"${options.schema}".processed_events`;

  /** Applies `items` in one transaction; throws when it rolled back. */
  const applyTogether = async (items: Array<ContractBatchItem<S, T>>): Promise<void> => {
    const { fresh, repeated, result } = await sequelize.transaction(async (transaction) => {
      // Sorted: two replicas recording overlapping ids take the row locks in the same order.
      const ids = [...new Set(items.map((i) => i.event.id))].sort();
      const typeOf = new Map(items.map((i) => [i.event.id, i.event.type]));
      const recorded = await sequelize.query<{ event_id: string }>(
        `INSERT INTO ${table} (event_id, type) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
        { bind: [ids, ids.map((id) => typeOf.get(id))], type: QueryTypes.SELECT, transaction },
      );
      const isNew = new Set(recorded.map((r) => r.event_id));
      const fresh: Array<ContractBatchItem<S, T>> = [];
      const repeated: BusEvent[] = [];
      // The first delivery of a new id is applied; a second one in the same batch is a duplicate.
      for (const item of items) {
        if (isNew.delete(item.event.id)) fresh.push(item);
        else repeated.push(item.event);
      }
      return { fresh, repeated, result: fresh.length === 0 ? undefined : await options.applyBatch(fresh, { transaction }) };
    });
    for (const event of repeated) count(event, 'duplicate');
    for (const item of fresh) count(item.event, 'applied');
    if (fresh.length > 0) await options.afterCommit?.(result as R, fresh.map((i) => i.event));
  };

  const handleBatch = async (events: BusEvent[]): Promise<BusEvent[]> => {
    const done: BusEvent[] = [];
    const items: Array<ContractBatchItem<S, T>> = [];
    for (const event of events) {
      try {
        const parsed = await read(event);
        if (parsed === undefined) done.push(event);
        else items.push({ type: event.type, payload: parsed.payload, event } as ContractBatchItem<S, T>);
      } catch (error) {
        if (error instanceof NewerVersion) logger.warn({ eventId: event.id, type: event.type, version: event.version, entryId: event.entryId }, error.message);
        else throw error;
      }
    }
    if (items.length === 0) return done;
    try {
      await applyTogether(items);
      return [...done, ...items.map((i) => i.event)];
    } catch (error) {
      logger.warn({ err: error, events: items.length, group }, 'batch failed; applying its events one by one');
    }
    for (const item of items) {
      try {
        await applyTogether([item]);
        done.push(item.event);
      } catch (error) {
        logger.error({ err: error, eventId: item.event.id, type: item.event.type, entryId: item.event.entryId }, 'event handler failed; it stays pending and is retried later');
      }
    }
    return done;
  };

  return consumeEvents({
    redis,
    stream: streamKey,
    group,
    consumer: options.consumer,
    logger,
    blockMs: options.blockMs,
    reclaimIdleMs: options.reclaimIdleMs,
    onDeadLetter: (event) => count(event, 'dead_lettered'),
    handleBatch,
  });
}

/**
 * The table a consuming service records applied event ids in, for its migrations. Rows older than
 * the bus keeps entries can be deleted (each service's retention does).
 */
export async function createProcessedEventsTable(sequelize: Sequelize, schema: string): Promise<void> {
  await sequelize.query(`
    CREATE TABLE IF NOT EXISTS "${schema}".processed_events (
      event_id text PRIMARY KEY,
      type text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`);
}
