import test from 'ava';
import { taskEvent } from './task-events.js';

const created = {
  eventId: 'e-1',
  type: 'task.created',
  taskId: 'task-1',
  event: 'hochwasser-ahr',
  siteId: 'site-1',
  site: { lat: 50.54, lon: 7.11, capacity: 40 },
  requiredSkills: ['sandbagging'],
  requiredResources: ['shovel'],
  headcount: 12,
  shiftStart: '2026-11-28T08:00:00+01:00',
  shiftEnd: '2026-11-28T14:00:00+01:00',
  priority: 5,
};

test('the task-event contract accepts a created task and a bare cancellation', (t) => {
  t.true(taskEvent.safeParse(created).success);
  t.true(taskEvent.safeParse({ eventId: 'e-2', type: 'task.cancelled', taskId: 'task-1', event: 'hochwasser-ahr' }).success);
});

test('the task-event contract refuses what the planner cannot use', (t) => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['priority 0', { priority: 0 }],
    ['priority 6', { priority: 6 }],
    ['an end before the start', { shiftEnd: '2026-11-28T07:00:00+01:00' }],
    ['a time without offset', { shiftStart: '2026-11-28T08:00:00' }],
    ['a latitude off the globe', { site: { lat: 91, lon: 7, capacity: null } }],
    ['a negative headcount', { headcount: -1 }],
    ['a repeated skill', { requiredSkills: ['a', 'a'] }],
    ['an event name that is no DNS label', { event: 'Hochwasser Ahr' }],
    ['an unknown type', { type: 'task.deleted' }],
  ];
  for (const [what, change] of bad) t.false(taskEvent.safeParse({ ...created, ...change }).success, what);
});
