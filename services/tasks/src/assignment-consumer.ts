/**
 * The task service's reading of matching's assignment events (stream `matching`, consumer group
 * `tasks`), through common's contract consumer: parsed with the contract, applied once with the
 * event id recorded in the same transaction, dead-lettered when it breaks the contract.
 */
import type { Payload } from '@kathelfer/contracts';
import { countsTowardsFill } from '@kathelfer/contracts';
import type { ApplyContext, ContractHandlers } from '@kathelfer/common/contract-consumer';
import { publish } from '@kathelfer/common/publish';
import { QueryTypes, type Sequelize } from 'sequelize';
import { afterFillChange } from './lifecycle.js';
import type { Models } from './models/index.js';
import { siteCapacityOf } from './site-capacity.js';
import { taskEventOf } from './views.js';

export type Outcome = 'applied' | 'unknown-task';
type AssignmentChanged = Payload<'matching', 'assignment.accepted'>;

/**
 * Applies one assignment event inside `transaction` (the one its event id is recorded in). The
 * fill is recounted from the assignments, not incremented: a late, older event for an assignment
 * cannot flip it back (last_event_at guards that) and nothing is counted twice.
 */
export async function applyAssignmentEvent(sequelize: Sequelize, schema: string, models: Models, event: AssignmentChanged, { transaction }: ApplyContext): Promise<Outcome> {
  const s = `"${schema}"`;
  // The task row lock orders concurrent events of one task across replicas.
  const task = await models.Task.findByPk(event.taskId, { transaction, lock: transaction.LOCK.UPDATE });
  if (task === null) return 'unknown-task';
  const status = countsTowardsFill(event.status) ? 'accepted' : 'withdrawn';
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
    await publish(models.Outbox, transaction, 'tasks', 'task.updated', taskEventOf(task, site));
  }
  return 'applied';
}

/**
 * The handlers of consumer group `tasks` on the `matching` stream: every state of an assignment
 * but `proposed` (a proposal changes no fill). An event for a task this service does not know is
 * recorded as applied and logged: the task was never posted here, so no later event can need it.
 */
export function assignmentHandlers(sequelize: Sequelize, schema: string, models: Models, warn: (event: AssignmentChanged) => void): ContractHandlers<'matching', Outcome> {
  const apply = async (event: AssignmentChanged, context: ApplyContext) => {
    const outcome = await applyAssignmentEvent(sequelize, schema, models, event, context);
    if (outcome === 'unknown-task') warn(event);
    return outcome;
  };
  return { 'assignment.accepted': apply, 'assignment.declined': apply, 'assignment.expired': apply, 'assignment.cancelled': apply };
}
