import { publishAll } from '@kathelfer/common/publish';
import type { AssignmentStatus, PayloadIn } from '@kathelfer/contracts';
import { Op, type Transaction } from 'sequelize';
import type { AssignmentAttributes } from './models/assignment.model.js';
import type { Models } from './models/index.js';

export type AssignmentEventType = `assignment.${AssignmentStatus}`;

/** The payload of an assignment event (@kathelfer/contracts `assignmentChangedV1`); helperId is registration's pseudonymous id, nothing more. */
export function assignmentEventOf(a: AssignmentAttributes, now = new Date()): PayloadIn<'matching', 'assignment.accepted'> {
  return {
    assignmentId: a.id,
    taskId: a.taskId,
    helperId: a.helperId,
    incidentId: a.incidentId,
    status: a.status,
    shiftStart: a.shiftStart.toISOString(),
    shiftEnd: a.shiftEnd.toISOString(),
    // until when a proposal may be answered (the helper's notification says so)
    expiresAt: a.expiresAt.toISOString(),
    ...(a.reason === null ? {} : { reason: a.reason }),
    occurredAt: now.toISOString(),
  };
}

/** Records one `type` event per row in the outbox inside `transaction`. */
export async function recordAssignmentEvents(
  models: Models,
  transaction: Transaction,
  type: AssignmentEventType,
  rows: readonly AssignmentAttributes[],
): Promise<void> {
  const now = new Date();
  await publishAll(models.Outbox, transaction, 'matching', type, rows.map((a) => assignmentEventOf(a, now)));
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
