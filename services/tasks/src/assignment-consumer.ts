import { consumeEvents, type BusEvent, type Consumer } from '@kathelfer/common/bus';
import type { Logger } from '@kathelfer/common/logger';
import { appendEvent } from '@kathelfer/common/outbox';
import type { RedisClient } from '@kathelfer/common/redis';
import { QueryTypes, type Sequelize } from 'sequelize';
import { assignmentEvent, assignmentEventTypes, countsTowardsFill, fromBusEvent, type AssignmentEvent } from './assignment-events.js';
import { afterFillChange } from './lifecycle.js';
import type { Models } from './models/index.js';
import { siteCapacityOf } from './site-capacity.js';
import { eventStream, taskEventOf } from './views.js';

export type Outcome = 'applied' | 'duplicate' | 'unknown-task';

/**
 * Applies one assignment event and records its id in the same transaction, so it is applied once
 * however often it arrives, at whichever replica. The fill is recounted from the assignments, not
 * incremented: a late, older event for an assignment cannot flip it back (last_event_at guards
 * that) and nothing is counted twice.
 */
export async function applyAssignmentEvent(sequelize: Sequelize, schema: string, models: Models, event: AssignmentEvent): Promise<Outcome> {
  const s = `"${schema}"`;
  return sequelize.transaction(async (transaction) => {
    const fresh = await sequelize.query(`INSERT INTO ${s}.processed_events (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`, {
      bind: [event.eventId, event.type],
      type: QueryTypes.SELECT,
      transaction,
    });
    if (fresh.length === 0) return 'duplicate';
    // The task row lock orders concurrent events of one task across replicas.
    const task = await models.Task.findByPk(event.taskId, { transaction, lock: transaction.LOCK.UPDATE });
    if (task === null) return 'unknown-task';
    const status = countsTowardsFill(event.type) ? 'accepted' : 'withdrawn';
    // Of two events at the same instant the withdrawal wins: a helper is never counted by mistake.
    // Only an acceptance sets the shift (the one the check-in code is bound to).
    await sequelize.query(
      `INSERT INTO ${s}.assignments (id, task_id, helper_id, status, shift_start, shift_end, last_event_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status,
         shift_start = CASE WHEN EXCLUDED.status = 'accepted' THEN EXCLUDED.shift_start ELSE assignments.shift_start END,
         shift_end = CASE WHEN EXCLUDED.status = 'accepted' THEN EXCLUDED.shift_end ELSE assignments.shift_end END,
         last_event_at = EXCLUDED.last_event_at
       WHERE assignments.last_event_at < EXCLUDED.last_event_at
          OR (assignments.last_event_at = EXCLUDED.last_event_at AND EXCLUDED.status = 'withdrawn')`,
      { bind: [event.assignmentId, event.taskId, event.helperId, status, event.shiftStart, event.shiftEnd, event.occurredAt], transaction },
    );
    const [counted] = await sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.assignments WHERE task_id = $1 AND status = 'accepted'`, {
      bind: [event.taskId],
      type: QueryTypes.SELECT,
      transaction,
    });
    const filled = counted?.n ?? 0;
    const next = afterFillChange(task.status, filled, task.headcount);
    if (filled !== task.filledCount || next !== task.status) {
      // The version stays: fill is not a coordinator's edit, and a coordinator's PATCH re-checks
      // the status under the same row lock, so moving it here cannot make them overwrite anything.
      await task.update({ filledCount: filled, status: next, updatedAt: new Date() }, { transaction });
      const site = await siteCapacityOf(models, task.siteId, transaction);
      await appendEvent(models.Outbox, transaction, eventStream, { type: 'task.updated', payload: taskEventOf(task, site) });
    }
    return 'applied';
  });
}

const contractTypes = new Set<string>(assignmentEventTypes);

/**
 * Consumes the matching service's stream as consumer group `tasks`. Events of other types on the
 * stream are not this service's business; a malformed assignment event is logged and skipped
 * rather than blocking the stream behind it.
 */
export async function consumeAssignments(options: {
  sequelize: Sequelize;
  schema: string;
  models: Models;
  redis: RedisClient;
  stream: string;
  consumer: string;
  logger: Logger;
  onEvents: () => void;
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
    handle: async (busEvent: BusEvent) => {
      if (!contractTypes.has(busEvent.type)) return;
      const parsed = assignmentEvent.safeParse(fromBusEvent(busEvent));
      if (!parsed.success) {
        logger.error({ eventId: busEvent.id, type: busEvent.type, issues: parsed.error.issues }, 'assignment event does not match the contract; skipped');
        return;
      }
      const outcome = await applyAssignmentEvent(options.sequelize, options.schema, options.models, parsed.data);
      if (outcome === 'unknown-task') logger.warn({ eventId: busEvent.id, taskId: parsed.data.taskId }, 'assignment event for an unknown task; skipped');
      if (outcome === 'applied') options.onEvents();
    },
  });
}
