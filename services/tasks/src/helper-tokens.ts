/**
 * Helpers use the self-service token registration issued them as their bearer token here, as at
 * the matching service: registration publishes only the token's SHA-256 in its helper events, and
 * this service keeps exactly that (helper id, incidents, hash) — never a name, contact or skill. An
 * erasure removes the hash, so the link stops working here too.
 */
import { consumeEvents, type BusEvent, type Consumer } from '@kathelfer/common/bus';
import type { Logger } from '@kathelfer/common/logger';
import { hashToken } from '@kathelfer/common/opaque-token';
import type { RedisClient } from '@kathelfer/common/redis';
import { QueryTypes, type Sequelize } from 'sequelize';
import { z } from 'zod';

/** What this service reads of registration's helper.registered / helper.updated / helper.erased. */
const helperSnapshot = z
  .object({
    helperId: z.uuid(),
    incidentId: z.string().nullable(),
    /** Every incident the helper joined; events written before it existed name only `incidentId`. */
    incidentIds: z.array(z.string()).optional(),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().default(null),
  })
  .transform((h) => ({ ...h, incidentIds: h.incidentIds ?? (h.incidentId === null ? [] : [h.incidentId]) }));
const helperErased = z.object({ helperId: z.uuid() });

export interface HelperIdentity {
  helperId: string;
  /** Every incident the helper is available for; empty for a helper registered without one. */
  incidentIds: string[];
}

export class HelperTokens {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
  ) {}

  /** The helper a self-service token belongs to, or undefined. */
  async byToken(token: string): Promise<HelperIdentity | undefined> {
    const [row] = await this.sequelize.query<{ helper_id: string; incident_ids: string[] }>(
      `SELECT helper_id, incident_ids FROM "${this.schema}".helper_tokens WHERE token_hash = $1`,
      { bind: [hashToken(token)], type: QueryTypes.SELECT },
    );
    return row === undefined ? undefined : { helperId: row.helper_id, incidentIds: row.incident_ids };
  }

  /**
   * Applies one helper event with its id recorded in the same transaction (a redelivery changes
   * nothing); an older snapshot never overwrites a newer one, an erased helper never comes back.
   */
  async apply(event: BusEvent): Promise<'applied' | 'duplicate' | 'ignored'> {
    const s = `"${this.schema}"`;
    const erased = event.type === 'helper.erased';
    const snapshot = event.type === 'helper.registered' || event.type === 'helper.updated';
    if (!erased && !snapshot) return 'ignored';
    const parsed = erased ? helperErased.safeParse(event.payload) : helperSnapshot.safeParse(event.payload);
    if (!parsed.success) throw new InvalidHelperEvent(event, parsed.error.message);
    const sourceAt = Number.isNaN(Date.parse(event.occurredAt)) ? new Date() : new Date(event.occurredAt);
    return this.sequelize.transaction(async (transaction) => {
      const fresh = await this.sequelize.query(`INSERT INTO ${s}.processed_events (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`, {
        bind: [event.id, event.type],
        type: QueryTypes.SELECT,
        transaction,
      });
      if (fresh.length === 0) return 'duplicate';
      const helperId = parsed.data.helperId;
      if (erased) {
        await this.sequelize.query(`INSERT INTO ${s}.erased_helpers (helper_id) VALUES ($1) ON CONFLICT DO NOTHING`, { bind: [helperId], transaction });
        await this.sequelize.query(`DELETE FROM ${s}.helper_tokens WHERE helper_id = $1`, { bind: [helperId], transaction });
        return 'applied';
      }
      const h = parsed.data as z.output<typeof helperSnapshot>;
      if (h.tokenHash === null) {
        await this.sequelize.query(`DELETE FROM ${s}.helper_tokens WHERE helper_id = $1 AND source_at <= $2`, { bind: [helperId, sourceAt], transaction });
        return 'applied';
      }
      await this.sequelize.query(
        `INSERT INTO ${s}.helper_tokens (helper_id, incident_id, incident_ids, token_hash, source_at)
           SELECT $1, $2, $5, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM ${s}.erased_helpers WHERE helper_id = $1)
         ON CONFLICT (helper_id) DO UPDATE SET incident_id = EXCLUDED.incident_id, incident_ids = EXCLUDED.incident_ids, token_hash = EXCLUDED.token_hash, source_at = EXCLUDED.source_at
           WHERE ${s}.helper_tokens.source_at <= EXCLUDED.source_at`,
        { bind: [helperId, h.incidentId, h.tokenHash, sourceAt, h.incidentIds], transaction },
      );
      return 'applied';
    });
  }
}

export class InvalidHelperEvent extends Error {
  constructor(event: BusEvent, detail: string) {
    super(`helper event ${event.id} (${event.type}) does not match the contract: ${detail}`);
    this.name = 'InvalidHelperEvent';
  }
}

/** Consumes registration's stream as consumer group `tasks`; a malformed event is logged and skipped. */
export function consumeHelperTokens(options: {
  helperTokens: HelperTokens;
  redis: RedisClient;
  stream: string;
  consumer: string;
  logger: Logger;
  blockMs?: number;
  reclaimIdleMs?: number;
}): Promise<Consumer> {
  const { logger } = options;
  return consumeEvents({
    redis: options.redis,
    stream: options.stream,
    group: 'tasks',
    consumer: options.consumer,
    blockMs: options.blockMs,
    reclaimIdleMs: options.reclaimIdleMs,
    logger,
    handle: async (event) => {
      try {
        await options.helperTokens.apply(event);
      } catch (error) {
        if (!(error instanceof InvalidHelperEvent)) throw error;
        logger.error({ eventId: event.id, type: event.type, err: error }, 'helper event skipped');
      }
    },
  });
}
