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

test('an event exactly as the task service publishes it is understood, with its site capacity and its priority 1 (most urgent) as the planner\'s 5', async (t) => {
  const { taskEventOf } = await import('@kathelfer/tasks/views');
  const now = new Date('2026-11-28T08:00:00Z');
  const published = taskEventOf({
    id: '7f1f1b8e-9a43-4c0e-8a55-2f5c3b0f9d11', incidentId: 'hochwasser-saale', siteId: '0c6a2c7e-1f0e-4b7e-9a4a-5d1e2f3a4b5c', status: 'open',
    skills: ['sandbagging'], resources: ['shovel'], headcount: 4, filledCount: 0, priority: 1,
    shiftStart: now, shiftEnd: new Date(now.getTime() + 4 * 3_600_000), postalArea: '061', latitude: 51.49, longitude: 11.95, version: 1,
    title: 'Sandsäcke füllen', bring: ['Handschuhe'],
  } as never, { id: '0c6a2c7e-1f0e-4b7e-9a4a-5d1e2f3a4b5c', capacity: 12, name: 'Bauhof', street: 'Am Hafen 1', postalCode: '06108', city: 'Halle', meetingPoint: 'Tor 2' });
  const parsed = taskEvent.parse({ ...published, eventId: 'e-9', type: 'task.created' });
  t.like(parsed, {
    type: 'task.created', taskId: '7f1f1b8e-9a43-4c0e-8a55-2f5c3b0f9d11', event: 'hochwasser-saale', requiredSkills: ['sandbagging'],
    requiredResources: ['shovel'], headcount: 4, priority: 5, site: { lat: 51.49, lon: 11.95, capacity: 12 },
  });
  t.like(taskEvent.parse({ ...published, eventId: 'e-10', type: 'task.cancelled' }), { type: 'task.cancelled', event: 'hochwasser-saale' });
});
