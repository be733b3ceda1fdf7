import test from 'ava';
import { assignmentEvent, fromBusEvent, toStreamEntry, type AssignmentEvent } from '../src/assignment-events.js';

const event: AssignmentEvent = {
  eventId: 'evt-1',
  type: 'assignment.accepted',
  assignmentId: '5f0c1e9e-8a54-4a8a-9d8b-2f1c6f4e2a11',
  taskId: 'b3c1c2f0-0d6a-4c43-9d7b-0a3b6a1c9e22',
  helperId: 'hp-1',
  shiftStart: '2026-11-27T08:00:00.000Z',
  shiftEnd: '2026-11-27T14:00:00.000Z',
  occurredAt: '2026-11-27T07:00:00.000Z',
};

test('an event written as matching writes it reads back as the same contract event', (t) => {
  const entry = toStreamEntry(event);
  const busEvent = { id: entry.id ?? '', type: entry.type ?? '', payload: JSON.parse(entry.payload ?? '{}') as Record<string, unknown>, occurredAt: entry.occurredAt ?? '', entryId: '1-0' };
  t.deepEqual(assignmentEvent.parse(fromBusEvent(busEvent)), event);
  t.false((entry.payload ?? '').includes('name'), 'the payload has pseudonymous ids only');
});

test('the contract refuses events without a task, with a shift that ends before it starts, or of an unknown type', (t) => {
  t.false(assignmentEvent.safeParse({ ...event, taskId: undefined }).success);
  t.false(assignmentEvent.safeParse({ ...event, taskId: 'task-1' }).success);
  t.false(assignmentEvent.safeParse({ ...event, shiftEnd: '2026-11-27T07:00:00Z' }).success);
  t.false(assignmentEvent.safeParse({ ...event, type: 'assignment.proposed' }).success);
  t.false(assignmentEvent.safeParse({ ...event, occurredAt: 'yesterday' }).success);
});
