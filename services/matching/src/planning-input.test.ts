import test from 'ava';
import type { AssignmentAttributes, AssignmentStatus } from './models/assignment.model.js';
import type { HelperAttributes } from './models/helper.model.js';
import type { TaskAttributes } from './models/task.model.js';
import { planningInput, withoutBusy } from './planning-input.js';

const t0 = Date.parse('2026-11-28T08:00:00Z');
const hours = (h: number) => new Date(t0 + h * 3600_000);

function helperRow(id: string, overrides: Partial<HelperAttributes> = {}): HelperAttributes {
  return {
    id,
    incidentId: 'flood',
    incidentIds: ['flood'],
    skills: ['sandbagging'],
    resources: [],
    latitude: 51.05,
    longitude: 13.74,
    maxTravelKm: 30,
    maxHoursPerDay: 10,
    availability: [{ from: hours(-1).toISOString(), to: hours(12).toISOString() }],
    paused: false,
    tokenHash: null,
    sourceAt: hours(-5),
    ...overrides,
  };
}

function taskRow(id: string, overrides: Partial<TaskAttributes> = {}): TaskAttributes {
  return {
    id,
    incidentId: 'flood',
    siteId: 'site-1',
    latitude: 51.06,
    longitude: 13.75,
    siteCapacity: null,
    requiredSkills: ['sandbagging'],
    requiredResources: [],
    headcount: 2,
    shiftStart: hours(1),
    shiftEnd: hours(5),
    priority: 3,
    status: 'open',
    sourceAt: hours(-5),
    ...overrides,
  };
}

let n = 0;
function assignment(helperId: string, taskId: string, status: AssignmentStatus, proposedAt = hours(-2)): AssignmentAttributes {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    incidentId: 'flood',
    taskId,
    helperId,
    status,
    shiftStart: hours(1),
    shiftEnd: hours(5),
    distanceKm: 1,
    roundId: '00000000-0000-4000-8000-000000000000',
    proposedAt,
    expiresAt: hours(1),
    decidedAt: null,
    reason: null,
  };
}

test('live assignments are fixed for the engine, closed ones become exclusions', (t) => {
  const { input, withdraw } = planningInput({
    helpers: [helperRow('a'), helperRow('b'), helperRow('c')],
    tasks: [taskRow('t1')],
    assignments: [assignment('a', 't1', 'accepted'), assignment('b', 't1', 'proposed'), assignment('c', 't1', 'declined'), assignment('c', 't1', 'expired')],
  });
  t.deepEqual(withdraw, []);
  t.deepEqual(input.assignments, [
    { helperId: 'a', shiftId: 't1', status: 'accepted' },
    { helperId: 'b', shiftId: 't1', status: 'accepted' },
  ]);
  t.deepEqual(input.exclusions, [
    { helperId: 'c', shiftId: 't1' },
    { helperId: 'c', shiftId: 't1' },
  ]);
});

test('a proposal that no longer fits is withdrawn; an accepted one in the same state stays', (t) => {
  const shortened = [{ from: hours(-1).toISOString(), to: hours(3).toISOString() }];
  const proposed = assignment('p', 't1', 'proposed');
  const { input, withdraw } = planningInput({
    helpers: [helperRow('p', { availability: shortened }), helperRow('q', { availability: shortened })],
    tasks: [taskRow('t1')],
    assignments: [proposed, assignment('q', 't1', 'accepted')],
  });
  t.deepEqual(withdraw.map((a) => a.id), [proposed.id]);
  t.deepEqual(input.assignments, [{ helperId: 'q', shiftId: 't1', status: 'accepted' }]);
});

test('paused helpers keep accepted work but get no availability for new proposals, and their proposals are withdrawn', (t) => {
  const proposed = assignment('p', 't1', 'proposed');
  const { input, withdraw } = planningInput({
    helpers: [helperRow('p', { paused: true })],
    tasks: [taskRow('t1')],
    assignments: [proposed],
  });
  t.deepEqual(input.helpers.map((h) => h.availability), [[]]);
  t.deepEqual(withdraw.map((a) => a.id), [proposed.id]);
});

test('a lowered headcount withdraws the newest proposals beyond it, never an acceptance', (t) => {
  const older = assignment('a', 't1', 'proposed', hours(-3));
  const newer = assignment('b', 't1', 'proposed', hours(-1));
  const { input, withdraw } = planningInput({
    helpers: [helperRow('a'), helperRow('b'), helperRow('c')],
    tasks: [taskRow('t1', { headcount: 2 })],
    assignments: [newer, assignment('c', 't1', 'accepted'), older],
  });
  t.deepEqual(withdraw.map((a) => a.id), [newer.id]);
  t.deepEqual(input.assignments?.map((a) => a.helperId), ['c', 'a']);
});

test('a lowered site capacity withdraws the newest proposals that would overfill the site at some moment, never an acceptance', (t) => {
  // GIVEN a site for 2 at once, two overlapping tasks and a later one there
  const site = { siteCapacity: 2, headcount: 5 };
  const accepted = assignment('a', 't1', 'accepted', hours(-1));
  const older = assignment('b', 't2', 'proposed', hours(-3));
  const newer = assignment('c', 't1', 'proposed', hours(-2));
  const later = assignment('d', 't3', 'proposed', hours(-1));
  const { input, withdraw } = planningInput({
    helpers: ['a', 'b', 'c', 'd'].map((id) => helperRow(id)),
    tasks: [taskRow('t1', site), taskRow('t2', { ...site, shiftStart: hours(3), shiftEnd: hours(7) }), taskRow('t3', { ...site, shiftStart: hours(7), shiftEnd: hours(9) })],
    assignments: [newer, later, accepted, older],
  });
  // THEN the acceptance and the older proposal fill it from hour 3 to 5; the newer one goes, the later shift is unaffected
  t.deepEqual(withdraw.map((a) => a.id), [newer.id]);
  t.deepEqual(input.assignments?.map((a) => a.helperId).sort(), ['a', 'b', 'd']);
});

test('helpers without coordinates are left out; a site takes the smallest capacity its tasks report', (t) => {
  const { input } = planningInput({
    helpers: [helperRow('a'), helperRow('postal-only', { latitude: null, longitude: null })],
    tasks: [taskRow('t1', { siteCapacity: 8 }), taskRow('t2', { siteCapacity: 5 }), taskRow('t3', { siteId: 'open-site' })],
    assignments: [],
  });
  t.deepEqual(input.helpers.map((h) => h.id), ['a']);
  t.deepEqual(input.sites, [{ id: 'site-1', capacity: 5 }]);
  t.deepEqual(input.shifts.map((s) => [s.id, s.start, s.end, s.priority]), [
    ['t1', t0 + 3600_000, t0 + 5 * 3600_000, 3],
    ['t2', t0 + 3600_000, t0 + 5 * 3600_000, 3],
    ['t3', t0 + 3600_000, t0 + 5 * 3600_000, 3],
  ]);
});

test('withoutBusy takes busy times out of availability windows', (t) => {
  const w = (start: number, end: number) => ({ start, end });
  const cases: Array<[string, ReturnType<typeof w>[], ReturnType<typeof w>[], ReturnType<typeof w>[]]> = [
    ['nothing busy', [w(0, 10)], [], [w(0, 10)]],
    ['busy outside', [w(0, 10)], [w(10, 12)], [w(0, 10)]],
    ['busy inside splits', [w(0, 10)], [w(3, 5)], [w(0, 3), w(5, 10)]],
    ['busy over the start', [w(0, 10)], [w(-2, 4)], [w(4, 10)]],
    ['busy over the whole window', [w(0, 10)], [w(-1, 11)], []],
    ['two windows, two busy', [w(0, 10), w(20, 30)], [w(8, 22), w(25, 26)], [w(0, 8), w(22, 25), w(26, 30)]],
  ];
  for (const [name, windows, busy, expected] of cases) t.deepEqual(withoutBusy(windows, busy), expected, name);
});

test('a helper holding a shift in another incident gets no overlapping shift here, and a proposal here that overlaps it is withdrawn', (t) => {
  const there = { ...assignment('h', 'elsewhere-task', 'accepted'), incidentId: 'next-wave', shiftStart: hours(2), shiftEnd: hours(4) };
  const proposedHere = assignment('h', 't1', 'proposed');
  const { input, withdraw } = planningInput({
    helpers: [helperRow('h', { incidentIds: ['flood', 'next-wave'] })],
    tasks: [taskRow('t1'), taskRow('t-later', { shiftStart: hours(5), shiftEnd: hours(9) })],
    assignments: [proposedHere],
    elsewhere: [there, { ...there, id: '00000000-0000-4000-8000-999999999999', status: 'declined', shiftStart: hours(6), shiftEnd: hours(7) }],
  });
  t.deepEqual(withdraw.map((a) => a.id), [proposedHere.id], 'the shift at 1–5 h overlaps the one held at 2–4 h');
  t.deepEqual(
    input.helpers[0]?.availability.map((w) => [(w.start - t0) / 3600_000, (w.end - t0) / 3600_000]),
    [
      [-1, 2],
      [4, 12],
    ],
    'a declined assignment elsewhere takes no time',
  );
});
