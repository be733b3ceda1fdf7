/**
 * What the notifications react to on the bus: the matching service's assignment events (a
 * proposal, its withdrawal, an acceptance that schedules the reminder) and the task service's task
 * events (what the message says of the task; a changed shift or place reaches the helpers it
 * concerns). They come through common's contract consumer in batches: parsed with
 * @kathelfer/contracts, applied once in the transaction that records the batch's event ids,
 * dead-lettered when they break the contract. The effects are idempotent besides (upserts guarded by time or version, notifications
 * under their unique key (source, helper, channel)), so even a replay sends nothing twice.
 */
import type { BusEvent, Consumer } from '@kathelfer/common/bus';
import { consumeContractBatches, type ApplyContext, type ConsumeOptions } from '@kathelfer/common/contract-consumer';
import type { Payload } from '@kathelfer/contracts';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
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

/** One event with what its handler needs of it. */
interface Consumed<P> {
  payload: P;
  event: BusEvent;
}

/**
 * Splits `items` (in stream order) into rounds in which each key occurs once: round k holds the
 * k-th event of each key. Rounds are applied in order, so the events of one assignment keep their
 * order while one statement serves a whole round (and a row is never upserted twice in one).
 */
export function roundsByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    (rounds[n] ??= []).push(item);
  }
  return rounds;
}

/**
 * Applies the assignment events of one consumed batch inside `transaction`, a few statements per
 * round (roundsByKey) however many events it holds; returns how many notifications it queued.
 */
export async function applyAssignmentEvents(ctx: NotificationConsumerContext, items: ReadonlyArray<Consumed<AssignmentEvent>>, transaction: Transaction): Promise<number> {
  let queued = 0;
  for (const round of roundsByKey(items, (i) => i.payload.assignmentId)) queued += await applyAssignmentRound(ctx, round, transaction);
  return queued;
}

/** Applies events of distinct assignments; returns how many notifications they queued. */
async function applyAssignmentRound(ctx: NotificationConsumerContext, items: ReadonlyArray<Consumed<AssignmentEvent>>, transaction: Transaction): Promise<number> {
  const { sequelize, queue } = ctx;
  const s = `"${ctx.schema}"`;
  // Only helpers of this service that are not erased; an older event arriving late changes
  // nothing (last_event_at), so a withdrawal is not undone.
  const rows = items.map(({ payload: a }) => ({
    assignment_id: a.assignmentId, helper_id: a.helperId, task_id: a.taskId, status: a.status, shift_start: a.shiftStart, shift_end: a.shiftEnd, last_event_at: a.occurredAt,
  }));
  const applied = await sequelize.query<{ assignment_id: string }>(
    `INSERT INTO ${s}.notification_assignments (assignment_id, helper_id, task_id, status, shift_start, shift_end, last_event_at)
     SELECT r.assignment_id, h.id, r.task_id, r.status, r.shift_start, r.shift_end, r.last_event_at
       FROM jsonb_to_recordset($1::jsonb) AS r(assignment_id uuid, helper_id uuid, task_id uuid, status text, shift_start timestamptz, shift_end timestamptz, last_event_at timestamptz)
       JOIN ${s}.helpers h ON h.id = r.helper_id AND h.status = 'active'
     ON CONFLICT (assignment_id) DO UPDATE SET status = EXCLUDED.status, shift_start = EXCLUDED.shift_start, shift_end = EXCLUDED.shift_end,
       last_event_at = EXCLUDED.last_event_at
     WHERE notification_assignments.last_event_at <= EXCLUDED.last_event_at
     RETURNING assignment_id`,
    { bind: [JSON.stringify(rows)], type: QueryTypes.SELECT, transaction },
  );
  if (applied.length === 0) return 0;
  const isApplied = new Set(applied.map((r) => r.assignment_id));
  const requests: NotificationRequest[] = [];
  const ended: AssignmentEvent[] = [];
  const now = Date.now();
  for (const { payload: a, event } of items) {
    if (!isApplied.has(a.assignmentId)) continue;
    const shift = { assignmentId: a.assignmentId, taskId: a.taskId, shiftStart: a.shiftStart, shiftEnd: a.shiftEnd };
    if (a.status === 'proposed') {
      requests.push({ sourceId: event.id, helperId: a.helperId, kind: 'proposal', data: { ...shift, expiresAt: a.expiresAt ?? a.shiftStart } });
    } else if (a.status === 'accepted') {
      const start = Date.parse(a.shiftStart);
      if (start > now) requests.push({ sourceId: event.id, helperId: a.helperId, kind: 'reminder', data: shift, dueAt: new Date(Math.max(now, start - ctx.reminderLeadMs)) });
    } else {
      ended.push(a);
      if (a.status === 'cancelled' && toldReasons.has(a.reason ?? '')) {
        requests.push({ sourceId: event.id, helperId: a.helperId, kind: 'withdrawn', data: { ...shift, reason: a.reason } });
      }
    }
  }
  if (ended.length > 0) {
    // Whatever ended an assignment, its reminder must not go out (an assignment id belongs to one helper).
    await sequelize.query(
      `DELETE FROM ${s}.notifications WHERE helper_id = ANY ($1::uuid[]) AND kind = 'reminder' AND status = 'queued' AND data->>'assignmentId' = ANY ($2::text[])`,
      { bind: [[...new Set(ended.map((a) => a.helperId))], ended.map((a) => a.assignmentId)], transaction },
    );
  }
  return queue.enqueue(transaction, requests);
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
 * consumer, a read batch per transaction (a round proposes thousands of shifts at once);
 * `onQueued` runs after a commit that queued notifications (it wakes the worker).
 */
export async function consumeForNotifications(
  ctx: NotificationConsumerContext,
  options: Omit<ConsumeOptions<number>, 'sequelize' | 'schema' | 'group' | 'afterCommit' | 'keyOf' | 'concurrency'> & { onQueued: () => void },
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
  return Promise.all([
    consumeContractBatches({
      ...common,
      stream: 'matching',
      types: ['assignment.proposed', 'assignment.accepted', 'assignment.declined', 'assignment.expired', 'assignment.cancelled'],
      applyBatch: (items, { transaction }) => applyAssignmentEvents(ctx, items, transaction),
    }),
    consumeContractBatches({
      ...common,
      stream: 'tasks',
      types: ['task.created', 'task.updated', 'task.cancelled'],
      // Few per second, and each reads the task's row before: one after the other, in one transaction.
      applyBatch: async (items, { transaction }) => {
        let queued = 0;
        for (const { payload, event } of items) queued += await applyTaskEvent(ctx, payload, { transaction, event });
        return queued;
      },
    }),
  ]);
}
