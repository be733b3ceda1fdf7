/**
 * What the notifications react to on the bus: the matching service's assignment events (a
 * proposal, its withdrawal, an acceptance that schedules the reminder) and the task service's task
 * events (what the message says of the task; a changed shift or place reaches the helpers it
 * concerns). They come through common's contract consumer: parsed with @kathelfer/contracts,
 * applied once in the transaction that records the event id, dead-lettered when they break the
 * contract. The effects are idempotent besides (upserts guarded by time or version, notifications
 * under their unique key (source, helper, channel)), so even a replay sends nothing twice.
 */
import type { BusEvent, Consumer } from '@kathelfer/common/bus';
import { consumeContract, type ApplyContext, type ContractHandlers, type ConsumeOptions } from '@kathelfer/common/contract-consumer';
import type { Payload } from '@kathelfer/contracts';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { NotificationQueue, NotificationRequest } from './queue.js';

/** Why a live assignment was cancelled, when the helper should hear of it (not when they withdrew themselves or erased their data). */
const toldReasons = new Set(['coordinator', 'task-cancelled', 'headcount-lowered', 'no-longer-feasible']);

export interface NotificationConsumerContext {
  sequelize: Sequelize;
  schema: string;
  queue: NotificationQueue;
  /** Lead time of the shift reminder, ms. */
  reminderLeadMs: number;
}

type AssignmentEvent = Payload<'matching', 'assignment.accepted'>;
type TaskEvent = Payload<'tasks', 'task.updated'>;

/** Applies one assignment event; returns how many notifications it queued. */
export async function applyAssignmentEvent(ctx: NotificationConsumerContext, a: AssignmentEvent, { event, transaction }: ApplyContext): Promise<number> {
  const status = a.status;
  const { sequelize, queue } = ctx;
  const s = `"${ctx.schema}"`;
  {
    // Only helpers of this service that are not erased; an older event arriving late changes
    // nothing (last_event_at), so a withdrawal is not undone. One statement: a round brings thousands.
    const applied = await sequelize.query(
      `INSERT INTO ${s}.notification_assignments (assignment_id, helper_id, task_id, status, shift_start, shift_end, last_event_at)
       SELECT $1, h.id, $3, $4, $5, $6, $7 FROM ${s}.helpers h WHERE h.id = $2 AND h.status = 'active'
       ON CONFLICT (assignment_id) DO UPDATE SET status = EXCLUDED.status, shift_start = EXCLUDED.shift_start, shift_end = EXCLUDED.shift_end,
         last_event_at = EXCLUDED.last_event_at
       WHERE notification_assignments.last_event_at <= EXCLUDED.last_event_at
       RETURNING 1`,
      { bind: [a.assignmentId, a.helperId, a.taskId, status, a.shiftStart, a.shiftEnd, a.occurredAt], type: QueryTypes.SELECT, transaction },
    );
    if (applied.length === 0) return 0;
    const shift = { assignmentId: a.assignmentId, taskId: a.taskId, shiftStart: a.shiftStart, shiftEnd: a.shiftEnd };
    const requests: NotificationRequest[] = [];
    if (status === 'proposed') {
      requests.push({ sourceId: event.id, helperId: a.helperId, kind: 'proposal', data: { ...shift, expiresAt: a.expiresAt ?? a.shiftStart } });
    } else if (status === 'accepted') {
      const start = Date.parse(a.shiftStart);
      if (start > Date.now()) requests.push({ sourceId: event.id, helperId: a.helperId, kind: 'reminder', data: shift, dueAt: new Date(Math.max(Date.now(), start - ctx.reminderLeadMs)) });
    } else {
      // Whatever ended the assignment, its reminder must not go out.
      await sequelize.query(`DELETE FROM ${s}.notifications WHERE helper_id = $1 AND kind = 'reminder' AND status = 'queued' AND data->>'assignmentId' = $2`, {
        bind: [a.helperId, a.assignmentId],
        transaction,
      });
      if (status === 'cancelled' && toldReasons.has(a.reason ?? '')) {
        requests.push({ sourceId: event.id, helperId: a.helperId, kind: 'withdrawn', data: { ...shift, reason: a.reason } });
      }
    }
    return queue.enqueue(transaction, requests);
  }
}

const placeOf = (brief: TaskEvent['brief'] | null | undefined) => JSON.stringify(brief?.site ?? null);

/**
 * Applies one task event: keeps the task's brief for the messages, and when the shift or the place
 * of a task changed, tells every helper holding a proposal or an acceptance for it (and moves their
 * reminders). Returns how many notifications it queued.
 */
export async function applyTaskEvent(ctx: NotificationConsumerContext, t: TaskEvent, { event, transaction }: ApplyContext): Promise<number> {
  const { sequelize, queue } = ctx;
  const s = `"${ctx.schema}"`;
  {
    const [before] = await sequelize.query<{ version: number; brief: TaskEvent['brief'] | null; shift_start: Date; shift_end: Date }>(
      `SELECT version, brief, shift_start, shift_end FROM ${s}.notification_tasks WHERE task_id = $1 FOR UPDATE`,
      { bind: [t.taskId], type: QueryTypes.SELECT, transaction },
    );
    if (before !== undefined && before.version > t.version) return 0;
    await sequelize.query(
      `INSERT INTO ${s}.notification_tasks (task_id, incident_id, version, status, brief, shift_start, shift_end)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT (task_id) DO UPDATE SET incident_id = EXCLUDED.incident_id, version = EXCLUDED.version, status = EXCLUDED.status,
         brief = CASE WHEN EXCLUDED.brief = 'null'::jsonb THEN notification_tasks.brief ELSE EXCLUDED.brief END,
         shift_start = EXCLUDED.shift_start, shift_end = EXCLUDED.shift_end`,
      { bind: [t.taskId, t.incidentId, t.version, t.status, JSON.stringify(t.brief ?? null), t.shift.start, t.shift.end], transaction },
    );
    if (before === undefined || event.type !== 'task.updated' || t.status === 'cancelled' || t.status === 'completed') return 0;
    const shiftMoved = before.shift_start.getTime() !== Date.parse(t.shift.start) || before.shift_end.getTime() !== Date.parse(t.shift.end);
    const placeMoved = t.brief !== undefined && before.brief !== null && placeOf(before.brief) !== placeOf(t.brief);
    if (!shiftMoved && !placeMoved) return 0;
    const holders = await sequelize.query<{ assignment_id: string; helper_id: string; status: string }>(
      `UPDATE ${s}.notification_assignments SET shift_start = $2, shift_end = $3
        WHERE task_id = $1 AND status IN ('proposed', 'accepted') RETURNING assignment_id, helper_id, status`,
      { bind: [t.taskId, t.shift.start, t.shift.end], type: QueryTypes.SELECT, transaction },
    );
    if (holders.length === 0) return 0;
    const start = Date.parse(t.shift.start);
    // Reminders not yet sent follow the shift.
    await sequelize.query(
      `UPDATE ${s}.notifications SET due_at = GREATEST(now(), $2::timestamptz),
              data = data || jsonb_build_object('shiftStart', $3::text, 'shiftEnd', $4::text)
        WHERE kind = 'reminder' AND status = 'queued' AND data->>'assignmentId' = ANY ($1::text[])`,
      { bind: [holders.map((h) => h.assignment_id), new Date(start - ctx.reminderLeadMs).toISOString(), t.shift.start, t.shift.end], transaction },
    );
    return queue.enqueue(
      transaction,
      holders.map((h) => ({
        sourceId: event.id,
        helperId: h.helper_id,
        kind: 'task-changed' as const,
        data: { assignmentId: h.assignment_id, taskId: t.taskId, shiftStart: t.shift.start, shiftEnd: t.shift.end },
      })),
    );
  }
}

/**
 * Consumes the matching and task streams as consumer group `notifications` with common's contract
 * consumer; `onQueued` runs after a commit that queued notifications (it wakes the worker).
 */
export async function consumeForNotifications(
  ctx: NotificationConsumerContext,
  options: Omit<ConsumeOptions<number>, 'sequelize' | 'schema' | 'group' | 'afterCommit' | 'keyOf'> & { onQueued: () => void },
): Promise<Consumer[]> {
  const common = {
    ...options,
    sequelize: ctx.sequelize,
    schema: ctx.schema,
    group: 'notifications',
    afterCommit: (queued: number) => {
      if (queued > 0) options.onQueued();
    },
  };
  const assignment = (payload: AssignmentEvent, context: ApplyContext) => applyAssignmentEvent(ctx, payload, context);
  const assignments: ContractHandlers<'matching', number> = {
    'assignment.proposed': assignment,
    'assignment.accepted': assignment,
    'assignment.declined': assignment,
    'assignment.expired': assignment,
    'assignment.cancelled': assignment,
  };
  const task = (payload: TaskEvent, context: ApplyContext) => applyTaskEvent(ctx, payload, context);
  const tasks: ContractHandlers<'tasks', number> = { 'task.created': task, 'task.updated': task, 'task.cancelled': task };
  const keyed = (field: 'helperId' | 'taskId') => (event: BusEvent) => (typeof event.payload[field] === 'string' ? event.payload[field] : '');
  return Promise.all([
    consumeContract({ ...common, stream: 'matching', handlers: assignments, keyOf: keyed('helperId'), concurrency: options.concurrency ?? 16 }),
    consumeContract({ ...common, stream: 'tasks', handlers: tasks, keyOf: keyed('taskId'), concurrency: 4 }),
  ]);
}
