/**
 * The contract of the assignment events this service consumes from the matching service, in one
 * place. Matching publishes them through its outbox onto `<prefix>events:<ASSIGNMENT_STREAM>`; the
 * envelope's `id` is the eventId; occurredAt is the payload's, else the envelope's (when matching's
 * outbox row was written). helperId is the pseudonymous id from registration, never a name.
 */
import type { BusEvent } from '@kathelfer/common/bus';
import { timestamp } from '@kathelfer/common/fields';
import { z } from 'zod';

/** An assignment that is accepted counts towards its task's fill; every other state does not. */
export const assignmentEventTypes = ['assignment.accepted', 'assignment.cancelled', 'assignment.declined', 'assignment.expired'] as const;
export type AssignmentEventType = (typeof assignmentEventTypes)[number];

export const assignmentEvent = z
  .object({
    eventId: z.string().min(1).max(200),
    type: z.enum(assignmentEventTypes),
    assignmentId: z.uuid(),
    taskId: z.uuid(),
    helperId: z.string().min(1).max(100),
    shiftStart: timestamp,
    shiftEnd: timestamp,
    occurredAt: timestamp,
  })
  .refine((e) => Date.parse(e.shiftEnd) > Date.parse(e.shiftStart), { message: 'shiftEnd must be after shiftStart', path: ['shiftEnd'] });

export type AssignmentEvent = z.output<typeof assignmentEvent>;

export function countsTowardsFill(type: AssignmentEventType): boolean {
  return type === 'assignment.accepted';
}

/** Envelope and payload of a bus event as the contract's flat shape (still to be validated). */
export function fromBusEvent(event: BusEvent): Record<string, unknown> {
  return { ...event.payload, eventId: event.id, type: event.type, occurredAt: event.payload.occurredAt ?? event.occurredAt };
}

/** The stream entry matching writes for `event`: what tests and the benchmark publish. */
export function toStreamEntry(event: AssignmentEvent): Record<string, string> {
  const { eventId, type, occurredAt, ...payload } = event;
  return { id: eventId, type, occurredAt, payload: JSON.stringify({ ...payload, occurredAt }) };
}
