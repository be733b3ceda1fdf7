/**
 * The read model of helpers and tasks, kept from the registration and task events through
 * common's contract consumer: each event is parsed with its contract and applied in one
 * transaction together with its id in `processed_events`, so an event delivered twice changes
 * nothing the second time (the one deduplication). Events carry the time they were written; an
 * older snapshot never overwrites a newer one, and an erased helper never comes back.
 */
import type { Payload } from '@kathelfer/contracts';
import type { ApplyContext, ContractHandlers } from '@kathelfer/common/contract-consumer';
import type { BusEvent } from '@kathelfer/common/bus';
import type { Logger } from '@kathelfer/common/logger';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { endLiveAssignments } from './assignment-events.js';
import { markChanged } from './incident-state.js';
import type { Models } from './models/index.js';

export interface Applied {
  /** DisasterEvents whose planning the event changed; empty for duplicates and ignored events. */
  changed: string[];
  /** Whether the change freed or withdrew slots (re-plan even when new data alone does not). */
  urgent: boolean;
}

const nothing: Applied = { changed: [], urgent: false };

export class ReadModel {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
    private readonly models: Models,
    private readonly logger: Logger,
    private readonly options: { planOnNewData: boolean; onEvents: () => void },
  ) {}

  /** Consumer group `matching` on the `registration` stream. */
  helperHandlers(): ContractHandlers<'registration', Applied> {
    return {
      'helper.registered': (h, context) => this.applySnapshot(h, context),
      'helper.updated': (h, context) => this.applySnapshot(h, context),
      'helper.erased': async ({ helperId }, { transaction }) => {
        await this.sequelize.query(`INSERT INTO "${this.schema}".erased_helpers (id) VALUES ($1) ON CONFLICT DO NOTHING`, { bind: [helperId], transaction });
        await this.models.Helper.destroy({ where: { id: helperId }, transaction });
        // Matching can no longer reach the helper, so accepted assignments end as well as proposals.
        const ended = await endLiveAssignments(this.models, transaction, { helperId }, 'cancelled', 'helper-erased');
        return this.urgently({ changed: ended.map((a) => a.incidentId), urgent: true }, transaction);
      },
    };
  }

  /** Consumer group `matching` on the `tasks` stream. */
  taskHandlers(): ContractHandlers<'tasks', Applied> {
    return {
      'task.created': (t, context) => this.applyTask(t, context, false),
      'task.updated': (t, context) => this.applyTask(t, context, true),
      'task.cancelled': async (t, { transaction, event }) => {
        await this.models.Task.update({ status: 'cancelled', sourceAt: sourceTime(event) }, { where: { id: t.taskId }, transaction });
        await endLiveAssignments(this.models, transaction, { taskId: t.taskId }, 'cancelled', 'task-cancelled');
        return { changed: [t.incidentId], urgent: false };
      },
    };
  }

  private async applySnapshot(h: Payload<'registration', 'helper.registered'>, { transaction, event }: ApplyContext): Promise<Applied> {
    const [erased] = await this.sequelize.query(`SELECT 1 FROM "${this.schema}".erased_helpers WHERE id = $1`, {
      bind: [h.helperId],
      transaction,
      type: QueryTypes.SELECT,
    });
    if (erased !== undefined) return nothing;
    const s = `"${this.schema}"`;
    // The incidents the helper was in before: leaving one must re-plan it too (their proposals there are withdrawn).
    const before = await this.sequelize.query<{ incident_ids: string[] }>(`SELECT incident_ids FROM ${s}.helpers WHERE id = $1 FOR UPDATE`, {
      bind: [h.helperId],
      transaction,
      type: QueryTypes.SELECT,
    });
    const rows = await this.sequelize.query<{ incident_ids: string[] }>(
      `INSERT INTO ${s}.helpers (id, incident_id, incident_ids, skills, resources, latitude, longitude, max_travel_km, max_hours_per_day, availability, paused, token_hash, source_at)
         VALUES ($1, $2, $13, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET incident_id = EXCLUDED.incident_id, incident_ids = EXCLUDED.incident_ids, skills = EXCLUDED.skills, resources = EXCLUDED.resources,
         latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, max_travel_km = EXCLUDED.max_travel_km,
         max_hours_per_day = EXCLUDED.max_hours_per_day, availability = EXCLUDED.availability, paused = EXCLUDED.paused,
         token_hash = EXCLUDED.token_hash, source_at = EXCLUDED.source_at
         WHERE ${s}.helpers.source_at <= EXCLUDED.source_at
       RETURNING incident_ids`,
      {
        bind: [
          h.helperId,
          h.incidentId,
          h.skills,
          h.resources,
          h.area.latitude,
          h.area.longitude,
          h.maxTravelKm,
          h.maxHoursPerDay,
          JSON.stringify(h.availability),
          h.paused,
          h.tokenHash,
          sourceTime(event),
          h.incidentIds,
        ],
        transaction,
        type: QueryTypes.SELECT,
      },
    );
    // Only when the snapshot was applied: every incident the helper is in now or was in before.
    const changed = rows.length === 0 ? [] : [...new Set([...(before[0]?.incident_ids ?? []), ...(rows[0]?.incident_ids ?? [])])];
    return this.urgently({ changed, urgent: event.type === 'helper.updated' }, transaction);
  }

  private async applyTask(t: Payload<'tasks', 'task.created'>, { transaction, event }: ApplyContext, update: boolean): Promise<Applied> {
    const s = `"${this.schema}"`;
    const rows = await this.sequelize.query(
      `INSERT INTO ${s}.tasks (id, incident_id, site_id, latitude, longitude, site_capacity, required_skills, required_resources, headcount, shift_start, shift_end, priority, status, source_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13)
       ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
         site_capacity = EXCLUDED.site_capacity, required_skills = EXCLUDED.required_skills, required_resources = EXCLUDED.required_resources,
         headcount = EXCLUDED.headcount, shift_start = EXCLUDED.shift_start, shift_end = EXCLUDED.shift_end, priority = EXCLUDED.priority,
         source_at = EXCLUDED.source_at
         WHERE ${s}.tasks.source_at <= EXCLUDED.source_at AND ${s}.tasks.status = 'open' AND ${s}.tasks.incident_id = EXCLUDED.incident_id
       RETURNING 1`,
      {
        bind: [
          t.taskId,
          t.incidentId,
          t.siteId,
          t.location.latitude,
          t.location.longitude,
          t.siteCapacity,
          t.skills,
          t.resources,
          t.headcount,
          new Date(t.shift.start),
          new Date(t.shift.end),
          t.priority,
          sourceTime(event),
        ],
        transaction,
        type: QueryTypes.SELECT,
      },
    );
    if (rows.length > 0 && update) await this.releaseBeyondHeadcount(t.taskId, t.headcount, transaction);
    // An update can make proposals unfit; the round withdraws those, so it must run.
    return this.urgently({ changed: rows.length > 0 ? [t.incidentId] : [], urgent: update }, transaction);
  }

  /**
   * The task service accepts a lower headcount while its fill count says there is room; helpers who
   * accepted here before that update arrived may exceed it. Under the task row lock the upsert
   * took (accepts take it too), the most recent acceptances beyond the new headcount are cancelled
   * with reason `headcount-lowered`, so accepted ≤ headcount holds once the update is applied.
   */
  private async releaseBeyondHeadcount(taskId: string, headcount: number, transaction: Transaction): Promise<void> {
    const excess = await this.sequelize.query<{ id: string }>(
      `SELECT id FROM "${this.schema}".assignments WHERE task_id = $1 AND status = 'accepted'
        ORDER BY decided_at, id OFFSET $2 FOR UPDATE`,
      { bind: [taskId, headcount], transaction, type: QueryTypes.SELECT },
    );
    if (excess.length === 0) return;
    await endLiveAssignments(this.models, transaction, { ids: excess.map((r) => r.id) }, 'cancelled', 'headcount-lowered');
    this.logger.warn({ taskId, headcount, released: excess.length }, 'released acceptances beyond a lowered headcount');
  }

  /** Freed slots must be re-planned even if this replica dies right after the commit, so they are marked with the change. */
  private async urgently(applied: Applied, transaction: Transaction): Promise<Applied> {
    if (applied.urgent) await markChanged(this.sequelize, this.schema, transaction, applied.changed);
    return applied;
  }

  /**
   * After an event's transaction committed. New data is marked here, not inside it: all events
   * of an incident bump one row, and holding its lock for a whole transaction would make the
   * parallel consumers queue behind each other. A crash in between only delays planning the
   * newcomer to the incident's next round.
   */
  async afterCommit(applied: Applied): Promise<void> {
    if (!applied.urgent && this.options.planOnNewData && applied.changed.length > 0) {
      await this.sequelize.transaction((transaction) => markChanged(this.sequelize, this.schema, transaction, applied.changed));
    }
    this.options.onEvents();
  }
}

function sourceTime(event: BusEvent): Date {
  const at = Date.parse(event.occurredAt);
  return Number.isNaN(at) ? new Date() : new Date(at);
}
