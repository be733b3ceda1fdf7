/**
 * Helpers use the self-service token registration issued them as their bearer token here, as at
 * the matching service: registration publishes only the token's SHA-256 in its helper events, and
 * this service keeps exactly that (helper id, incidents, hash) — never a name, contact or skill. An
 * erasure removes the hash, so the link stops working here too.
 */
import type { Payload } from '@kathelfer/contracts';
import type { ApplyContext, ContractHandlers } from '@kathelfer/common/contract-consumer';
import { hashToken } from '@kathelfer/common/opaque-token';
import { QueryTypes, type Sequelize } from 'sequelize';

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
   * The handlers of consumer group `tasks` on the `registration` stream, applied inside the
   * transaction that records the event id: an older snapshot never overwrites a newer one, an
   * erased helper never comes back.
   */
  handlers(): ContractHandlers<'registration', void> {
    const s = `"${this.schema}"`;
    const snapshot = async (h: Payload<'registration', 'helper.registered'>, { transaction, event }: ApplyContext) => {
      const sourceAt = Number.isNaN(Date.parse(event.occurredAt)) ? new Date() : new Date(event.occurredAt);
      if (h.tokenHash === null) {
        await this.sequelize.query(`DELETE FROM ${s}.helper_tokens WHERE helper_id = $1 AND source_at <= $2`, { bind: [h.helperId, sourceAt], transaction });
        return;
      }
      await this.sequelize.query(
        `INSERT INTO ${s}.helper_tokens (helper_id, incident_id, incident_ids, token_hash, source_at)
           SELECT $1, $2, $5, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM ${s}.erased_helpers WHERE helper_id = $1)
         ON CONFLICT (helper_id) DO UPDATE SET incident_id = EXCLUDED.incident_id, incident_ids = EXCLUDED.incident_ids, token_hash = EXCLUDED.token_hash, source_at = EXCLUDED.source_at
           WHERE ${s}.helper_tokens.source_at <= EXCLUDED.source_at`,
        { bind: [h.helperId, h.incidentId, h.tokenHash, sourceAt, h.incidentIds], transaction },
      );
    };
    return {
      'helper.registered': snapshot,
      'helper.updated': snapshot,
      'helper.erased': async ({ helperId }, { transaction }) => {
        await this.sequelize.query(`INSERT INTO ${s}.erased_helpers (helper_id) VALUES ($1) ON CONFLICT DO NOTHING`, { bind: [helperId], transaction });
        await this.sequelize.query(`DELETE FROM ${s}.helper_tokens WHERE helper_id = $1`, { bind: [helperId], transaction });
      },
    };
  }
}
