/**
 * The one way a service consumes a stream: each event is parsed with its contract
 * (@kathelfer/contracts), applied once inside a database transaction that also records its event
 * id, and what cannot be parsed is dead-lettered (`<stream>:dead-letter`) and counted — never
 * dropped silently, never retried forever. Every outcome is counted in `bus_events_total`.
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
  const { redis, sequelize, logger, group, handlers } = options;
  const streamKey = `${options.streamPrefix}${options.stream}`;
  const counter = busEventCounter(options.metrics);
  const count = (event: BusEvent, outcome: Outcome) => counter.inc({ stream: options.stream, group, type: event.type, outcome });
  const table = `"${options.schema}".processed_events`;

  const handle = async (event: BusEvent): Promise<void> => {
    const handler = Object.hasOwn(handlers, event.type) ? handlers[event.type] : undefined;
    if (handler === undefined) {
      count(event, 'ignored');
      return;
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
      return;
    }
    const outcome = await sequelize.transaction(async (transaction) => {
      const fresh = await sequelize.query(`INSERT INTO ${table} (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`, {
        bind: [event.id, event.type],
        type: QueryTypes.SELECT,
        transaction,
      });
      if (fresh.length === 0) return { duplicate: true as const };
      return { duplicate: false as const, result: await handler.apply(parsed.data, { transaction, event }) };
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
    logger,
    keyOf: options.keyOf,
    concurrency: options.concurrency,
    blockMs: options.blockMs,
    reclaimIdleMs: options.reclaimIdleMs,
    onDeadLetter: (event) => count(event, 'dead_lettered'),
    handle,
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
