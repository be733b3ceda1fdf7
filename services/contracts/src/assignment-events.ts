/**
 * Events of the matching service on the `matching` stream: an assignment of a helper to a task's
 * shift changed state. `helperId` is registration's pseudonymous id, nothing more.
 */
import { z } from 'zod';
import { helperId, incidentId, timestamp } from './vocabulary.js';

/**
 * `proposed` and `accepted` hold a slot; `declined`, `expired` and `cancelled` are final and keep
 * the pair from being proposed again.
 */
export const assignmentStatuses = ['proposed', 'accepted', 'declined', 'expired', 'cancelled'] as const;
export type AssignmentStatus = (typeof assignmentStatuses)[number];

/** `assignment.<status>` v1: one per change of an assignment's status. */
export const assignmentChangedV1 = z
  .object({
    assignmentId: z.uuid(),
    taskId: z.uuid(),
    helperId,
    incidentId,
    status: z.enum(assignmentStatuses),
    shiftStart: timestamp,
    shiftEnd: timestamp,
    /** Until when a proposal may be answered (issue 17; optional, added within v1): the helper's notification says so. */
    expiresAt: timestamp.optional(),
    /** Why it was cancelled or expired: `coordinator`, `helper-erased`, `task-cancelled`, `headcount-lowered`, `no-longer-feasible`, … */
    reason: z.string().min(1).max(100).optional(),
    /** When the status changed (the decision, not the publication). */
    occurredAt: timestamp,
  })
  .refine((e) => Date.parse(e.shiftEnd) > Date.parse(e.shiftStart), { message: 'shiftEnd must be after shiftStart', path: ['shiftEnd'] });

/** An accepted assignment counts towards its task's fill; every other state does not. */
export function countsTowardsFill(status: AssignmentStatus): boolean {
  return status === 'accepted';
}
