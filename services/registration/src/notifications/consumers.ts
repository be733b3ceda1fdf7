/**
 * What the notifications react to on the bus: the matching service's assignment events (a
 * proposal, its withdrawal, an acceptance that schedules the reminder) and the task service's task
 * events (what the message says of the task; a changed shift or place reaches the helpers it
 * concerns). Each event is applied in one transaction whose effects are idempotent — upserts
 * guarded by time or version, notifications under their unique key — so a redelivered event, on
 * this replica or another, changes nothing and sends nothing twice.
 */
import { consumeEvents, type BusEvent, type Consumer } from '@kathelfer/common/bus';
import type { Logger } from '@kathelfer/common/logger';
import type { RedisClient } from '@kathelfer/common/redis';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { AssignmentEventPayload } from '@kathelfer/matching/assignment-events';
import type { TaskEventPayload } from '@kathelfer/tasks/views';
import type { NotificationQueue, NotificationRequest } from './queue.js';

/** Why a live assignment was cancelled, when the helper should hear of it (not when they withdrew themselves or erased their data). */
const toldReasons = new Set(['coordinator', 'task-cancelled', 'headcount-lowered', 'no-longer-feasible']);

const statusOf: Record<string, string> = {
  'assignment.proposed': 'proposed',
  'assignment.accepted': 'accepted',
  'assignment.declined': 'declined',
  'assignment.expired': 'expired',
  'assignment.cancelled': 'cancelled',
};

export interface NotificationConsumerContext {
  sequelize: Sequelize;
  schema: string;
  queue: NotificationQueue;
  /** Lead time of the shift reminder, ms. */
  reminderLeadMs: number;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The fields of an assignment event this consumer needs, or why it cannot be used. */
function assignmentOf(event: BusEvent): AssignmentEventPayload | string {
  const p = event.payload as Partial<AssignmentEventPayload>;
  for (const field of ['assignmentId', 'taskId', 'helperId', 'shiftStart', 'shiftEnd'] as const) if (!isString(p[field])) return `${field} missing`;
  if (Number.isNaN(Date.parse(p.shiftStart ?? '')) || Number.isNaN(Date.parse(p.shiftEnd ?? ''))) return 'shift is no timestamp';
  return { ...(p as AssignmentEventPayload), occurredAt: isString(p.occurredAt) ? p.occurredAt : event.occurredAt };
}

/** Applies one assignment event; returns how many notifications it queued. */
export async function applyAssignmentEvent(ctx: NotificationConsumerContext, event: BusEvent, a: AssignmentEventPayload): Promise<number> {
  const status = statusOf[event.type];
  if (status === undefined) return 0;
  const { sequelize, queue } = ctx;
  const s = `"${ctx.schema}"`;
  return sequelize.transaction(async (transaction) => {
    const [known] = await sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.helpers WHERE id = $1 AND status = 'active'`, {
      bind: [a.helperId],
      type: QueryTypes.SELECT,
      transaction,
    });
    if ((known?.n ?? 0) === 0) return 0;
    // An older event arriving late changes nothing (last_event_at), so a withdrawal is not undone.
    const applied = await sequelize.query(
      `INSERT INTO ${s}.notification_assignments (assignment_id, helper_id, task_id, status, shift_start, shift_end, last_event_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
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
  });
}

/** What a task event must carry for the notifications; `brief` is optional (events before issue 17 had none). */
type TaskEvent = Pick<TaskEventPayload, 'taskId' | 'incidentId' | 'status' | 'version' | 'shift'> & { brief?: TaskEventPayload['brief'] };

function taskOf(event: BusEvent): TaskEvent | string {
  const p = event.payload as Partial<TaskEvent>;
  if (!isString(p.taskId) || !isString(p.incidentId) || !isString(p.status)) return 'taskId, incidentId or status missing';
  if (typeof p.version !== 'number' || !isString(p.shift?.start) || !isString(p.shift.end)) return 'version or shift missing';
  return p as TaskEvent;
}

const placeOf = (brief: TaskEvent['brief'] | null | undefined) => JSON.stringify(brief?.site ?? null);

/**
 * Applies one task event: keeps the task's brief for the messages, and when the shift or the place
 * of a task changed, tells every helper holding a proposal or an acceptance for it (and moves their
 * reminders). Returns how many notifications it queued.
 */
export async function applyTaskEvent(ctx: NotificationConsumerContext, event: BusEvent, t: TaskEvent): Promise<number> {
  const { sequelize, queue } = ctx;
  const s = `"${ctx.schema}"`;
  return sequelize.transaction(async (transaction) => {
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
  });
}

/**
 * Consumes the matching and task streams as consumer group `notifications`. An event this
 * consumer cannot use (fields missing) goes to `<stream>:dead-letter` like one that fails its
 * schema, instead of blocking the stream.
 */
export async function consumeForNotifications(options: {
  ctx: NotificationConsumerContext;
  redis: RedisClient;
  streamPrefix: string;
  streams: { matching: string; tasks: string };
  consumer: string;
  logger: Logger;
  onQueued: () => void;
  blockMs?: number;
}): Promise<Consumer[]> {
  const { ctx, redis, logger } = options;
  const deadLetter = async (stream: string, event: BusEvent, reason: string) => {
    logger.error({ eventId: event.id, type: event.type, reason }, 'event unusable for notifications; dead-lettered');
    await redis.xAdd(`${stream}:dead-letter`, '*', { id: event.id, type: event.type, payload: JSON.stringify(event.payload), occurredAt: event.occurredAt, group: 'notifications', reason });
  };
  const matchingStream = `${options.streamPrefix}${options.streams.matching}`;
  const tasksStream = `${options.streamPrefix}${options.streams.tasks}`;
  const matching = await consumeEvents({
    redis,
    stream: matchingStream,
    group: 'notifications',
    consumer: options.consumer,
    blockMs: options.blockMs,
    logger,
    keyOf: (event) => (typeof event.payload.helperId === 'string' ? event.payload.helperId : ''),
    concurrency: 8,
    handle: async (event) => {
      if (statusOf[event.type] === undefined) return;
      const a = assignmentOf(event);
      if (typeof a === 'string') return deadLetter(matchingStream, event, a);
      if ((await applyAssignmentEvent(ctx, event, a)) > 0) options.onQueued();
    },
  });
  const tasks = await consumeEvents({
    redis,
    stream: tasksStream,
    group: 'notifications',
    consumer: options.consumer,
    blockMs: options.blockMs,
    logger,
    keyOf: (event) => (typeof event.payload.taskId === 'string' ? event.payload.taskId : ''),
    concurrency: 4,
    handle: async (event) => {
      if (!['task.created', 'task.updated', 'task.cancelled'].includes(event.type)) return;
      const t = taskOf(event);
      if (typeof t === 'string') return deadLetter(tasksStream, event, t);
      if ((await applyTaskEvent(ctx, event, t)) > 0) options.onQueued();
    },
  });
  return [matching, tasks];
}
