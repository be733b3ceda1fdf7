import { randomUUID } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';
import type { Logger } from './logger.js';
import { gaugeFromCallback, type Metrics } from './metrics.js';
import type { OutboxModel } from './outbox.model.js';
import type { RedisClient } from './redis.js';

/** An event as the outbox stores it; producers write them through `publish` (publish.ts), which checks the contract. */
export interface DomainEvent {
  type: string;
  /** The contract version of `payload`. @default 1 */
  version?: number;
  payload: Record<string, unknown>;
  /** The event id; set it when the payload must carry its own id. @default a new UUID */
  id?: string;
}

/**
 * Records `event` in the outbox inside `transaction`, so it commits or rolls back with the change
 * it describes. Its id is the event id consumers deduplicate by.
 */
export async function appendEvent(outbox: OutboxModel, transaction: Transaction, stream: string, event: DomainEvent): Promise<string> {
  const id = event.id ?? randomUUID();
  await outbox.create({ id, stream, type: event.type, version: event.version ?? 1, payload: event.payload }, { transaction });
  return id;
}

/**
 * Records many events inside `transaction` in one INSERT (a planning round proposes hundreds of
 * assignments at once); returns their ids in order. Their order on the stream is not defined: use
 * it for events that do not depend on each other.
 */
export async function appendEvents(outbox: OutboxModel, transaction: Transaction, stream: string, events: readonly DomainEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = events.map((event) => ({ id: event.id ?? randomUUID(), stream, type: event.type, version: event.version ?? 1, payload: event.payload }));
  await outbox.bulkCreate(rows, { transaction });
  return rows.map((row) => row.id);
}

/** The fields of a stream entry; `payload` is JSON. */
export interface StreamEntry extends Record<string, string> {
  id: string;
  type: string;
  /** The contract version of the payload, as decimal text. */
  version: string;
  payload: string;
  occurredAt: string;
}

interface PendingRow {
  id: string;
  stream: string;
  type: string;
  version: number;
  /** As text: it goes onto the stream as it is, so parsing and re-serialising it would be waste. */
  payload: string;
  created_at: Date;
}

/**
 * Publishes outbox rows to Redis Streams in the order they were written and marks them sent. One
 * replica publishes at a time (a transaction-level advisory lock; the others find it taken and
 * wait for their next turn), so a helper's events reach the stream in order. An event is marked
 * sent only after Redis acknowledged it: while Redis is down, events wait in PostgreSQL. A crash
 * between the two steps publishes an event twice, which consumers drop by its id.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kickTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      sequelize: Sequelize;
      schema: string;
      redis: RedisClient;
      /** Prepended to the stream name, e.g. `kathelfer:events:`. */
      streamPrefix: string;
      pollMs: number;
      batchSize?: number;
      coalesceMs?: number;
      /** Stream entries older than this are trimmed as new ones are added (MINID), so the bus keeps no history beyond it. */
      retentionMs?: number;
      /**
       * The event type that erases a helper (`helper.erased`, registration only). When one is
       * published, every entry published before it with that `helperId`, on any stream that
       * shares the prefix, is deleted (see forgetHelperEntries).
       */
      erasureType?: string;
      logger: Logger;
    },
  ) {}

  /** Publishes one batch; returns how many events went out. */
  async relayOnce(): Promise<number> {
    const { sequelize, schema, redis, streamPrefix } = this.options;
    const batch = this.options.batchSize ?? 200;
    return sequelize.transaction(async (transaction) => {
      // One publisher at a time across replicas keeps each stream in commit order per entity.
      const [[lock]] = (await sequelize.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', {
        bind: [`outbox-relay:${schema}`],
        transaction,
      })) as [[{ locked: boolean }], unknown];
      if (!lock?.locked) return 0;
      const [rows] = (await sequelize.query(
        `SELECT id, stream, type, version, payload::text AS payload, created_at FROM "${schema}".outbox
          WHERE sent_at IS NULL ORDER BY seq LIMIT ${batch} FOR UPDATE SKIP LOCKED`,
        { transaction },
      )) as [PendingRow[], unknown];
      if (rows.length === 0) return 0;
      const multi = redis.multi();
      const { retentionMs } = this.options;
      const trim = retentionMs === undefined ? {} : { TRIM: { strategy: 'MINID' as const, strategyModifier: '=' as const, threshold: Date.now() - retentionMs } };
      for (const row of rows) {
        const entry: StreamEntry = {
          id: row.id,
          type: row.type,
          version: String(row.version),
          payload: row.payload,
          occurredAt: new Date(row.created_at).toISOString(),
        };
        multi.xAdd(`${streamPrefix}${row.stream}`, '*', entry, trim);
      }
      const entryIds = (await multi.exec()) as unknown as string[];
      await this.indexAndErase(rows, entryIds);
      await sequelize.query(`UPDATE "${schema}".outbox SET sent_at = now() WHERE id = ANY($1::uuid[])`, {
        bind: [rows.map((r) => r.id)],
        transaction,
      });
      return rows.length;
    });
  }

  /**
   * Records which entries each helper's events became, then carries out the erasures among them.
   * Runs before the rows are marked sent: if it fails, the batch is published again (consumers
   * drop the duplicates by id) and indexed then.
   */
  private async indexAndErase(rows: readonly PendingRow[], entryIds: readonly string[]): Promise<void> {
    const { redis, streamPrefix, erasureType } = this.options;
    const ttlSeconds = Math.ceil((this.options.retentionMs ?? defaultIndexTtlMs) / 1000) + 3600;
    const index = redis.multi();
    const erased: string[] = [];
    rows.forEach((row, i) => {
      const helperId = helperIdOf(row.payload);
      const entryId = entryIds[i];
      if (helperId === undefined || entryId === undefined) return;
      if (row.type === erasureType) {
        erased.push(helperId);
        return;
      }
      index.sAdd(helperEntriesKey(streamPrefix, helperId), `${row.stream}\t${entryId}`);
      index.expire(helperEntriesKey(streamPrefix, helperId), ttlSeconds);
    });
    await index.exec();
    for (const helperId of erased) await forgetHelperEntries(redis, streamPrefix, helperId);
  }

  /** Runs until stop(); kick() after a commit publishes soon instead of at the next poll. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let failures = 0;
      while (this.running) {
        let published = 0;
        try {
          published = await this.relayOnce();
          failures = 0;
        } catch (error) {
          failures += 1;
          if (failures === 1 || failures % 20 === 0) this.options.logger.warn({ err: error, failures }, 'outbox relay: publishing failed, will retry');
        }
        if (published === (this.options.batchSize ?? 200) && failures === 0) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /**
   * Wakes the relay `coalesceMs` after the first kick: under load, events of many commits go out
   * in one batch instead of one relay transaction per commit.
   */
  kick(): void {
    this.kickTimer ??= setTimeout(() => {
      this.kickTimer = undefined;
      this.wake?.();
    }, this.options.coalesceMs ?? 20);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.kickTimer);
    this.wake?.();
    await this.loop;
  }

  registerMetrics(metrics: Metrics): void {
    const { sequelize, schema } = this.options;
    gaugeFromCallback(metrics, 'outbox_backlog', 'Events written but not yet published to Redis', async () => {
      const [rows] = (await sequelize.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE sent_at IS NULL`)) as [
        Array<{ n: number }>,
        unknown,
      ];
      return rows[0]?.n ?? 0;
    });
  }
}

/** Without a stream retention, the helper index keeps entries a week (the consumers' dedup window). */
const defaultIndexTtlMs = 7 * 24 * 3600 * 1000;

/** The `helperId` of an event payload (JSON text), if it has one. */
function helperIdOf(payload: string): string | undefined {
  if (!payload.includes('"helperId"')) return undefined;
  const value = (JSON.parse(payload) as { helperId?: unknown }).helperId;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The Redis set of `stream<TAB>entryId` of one helper's published events, filled by every
 * service's relay, kept as long as the streams keep entries.
 */
export function helperEntriesKey(streamPrefix: string, helperId: string): string {
  return `${streamPrefix}helper-entries:${helperId}`;
}

/**
 * Deletes every indexed stream entry of a helper (XDEL) and the index itself; returns how many
 * entries were deleted. Consumers that had not read them yet never will, which is what an
 * erasure asks for; entries already read are gone from the bus's history. `stream` in the index
 * is the full stream key without `streamPrefix`.
 */
export async function forgetHelperEntries(redis: RedisClient, streamPrefix: string, helperId: string): Promise<number> {
  const key = helperEntriesKey(streamPrefix, helperId);
  const members = await redis.sMembers(key);
  const byStream = new Map<string, string[]>();
  for (const member of members) {
    const [stream, entryId] = member.split('\t');
    if (stream === undefined || entryId === undefined) continue;
    byStream.set(stream, [...(byStream.get(stream) ?? []), entryId]);
  }
  let deleted = 0;
  for (const [stream, ids] of byStream) deleted += await redis.xDel(`${streamPrefix}${stream}`, ids);
  await redis.del(key);
  return deleted;
}
