import { randomUUID } from 'node:crypto';
import { appendEvents, type DomainEvent } from '@kathelfer/common/outbox';
import { Op, type Transaction } from 'sequelize';
import type { AssignmentAttributes } from './models/assignment.model.js';
import type { Models } from './models/index.js';

/** The stream (without `${REDIS_PREFIX}events:`) the assignment events go to; the task service consumes it. */
export const assignmentStream = 'matching';

export type AssignmentEventType =
  | 'assignment.proposed'
  | 'assignment.accepted'
  | 'assignment.declined'
  | 'assignment.expired'
  | 'assignment.cancelled';

/**
 * One assignment event. The payload repeats the event id and time, so a consumer that stores
 * payloads alone still deduplicates; helperId is registration's pseudonymous id, nothing more.
 */
export function assignmentEvent(type: AssignmentEventType, a: AssignmentAttributes, now = new Date()): DomainEvent & { type: AssignmentEventType; payload: AssignmentEventPayload } {
  const id = randomUUID();
  return {
    id,
    type,
    payload: {
      eventId: id,
      assignmentId: a.id,
      taskId: a.taskId,
      helperId: a.helperId,
      event: a.eventId,
      status: a.status,
      shiftStart: a.shiftStart.toISOString(),
      shiftEnd: a.shiftEnd.toISOString(),
      // until when a proposal may be answered (the helper's notification says so)
      expiresAt: a.expiresAt.toISOString(),
      ...(a.reason === null ? {} : { reason: a.reason }),
      occurredAt: now.toISOString(),
    },
  };
}

/** The payload of every assignment event, as matching writes it. */
export interface AssignmentEventPayload extends Record<string, unknown> {
  eventId: string;
  assignmentId: string;
  taskId: string;
  helperId: string;
  /** The DisasterEvent (incident) name. */
  event: string;
  status: string;
  shiftStart: string;
  shiftEnd: string;
  expiresAt: string;
  reason?: string;
  occurredAt: string;
}

export async function recordAssignmentEvents(
  models: Models,
  transaction: Transaction,
  type: AssignmentEventType,
  rows: readonly AssignmentAttributes[],
): Promise<void> {
  const now = new Date();
  await appendEvents(models.Outbox, transaction, assignmentStream, rows.map((a) => assignmentEvent(type, a, now)));
}

/**
 * Ends the live (proposed or accepted) assignments `where` selects with `status`, and records
 * their events, inside `transaction`. Returns the ended rows.
 */
export async function endLiveAssignments(
  models: Models,
  transaction: Transaction,
  where: { helperId?: string; taskId?: string; ids?: readonly string[]; onlyProposed?: boolean },
  status: 'cancelled' | 'expired',
  reason: string | null,
): Promise<AssignmentAttributes[]> {
  const [, rows] = await models.Assignment.update(
    { status, reason, decidedAt: new Date() },
    {
      where: {
        status: where.onlyProposed === true ? 'proposed' : { [Op.in]: ['proposed', 'accepted'] },
        ...(where.helperId === undefined ? {} : { helperId: where.helperId }),
        ...(where.taskId === undefined ? {} : { taskId: where.taskId }),
        ...(where.ids === undefined ? {} : { id: { [Op.in]: [...where.ids] } }),
      },
      transaction,
      returning: true,
    },
  );
  const ended = rows.map((r) => r.get({ plain: true }));
  await recordAssignmentEvents(models, transaction, status === 'expired' ? 'assignment.expired' : 'assignment.cancelled', ended);
  return ended;
}
