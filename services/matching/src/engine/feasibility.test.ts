// Each rule of the model, once as the reference check (isFeasible) sees it and once as the planner
// obeys it: GIVEN a one-helper, one-shift instance that breaks exactly that rule, WHEN planning,
// THEN the slot stays open and forcing the pair is reported under that rule. The unbroken instance
// is the control: the planner fills it and the checker passes it.
import test from 'ava';
import { isFeasible } from './feasibility.js';
import type { Assignment, Helper, PlanInput, PlanOptions, Rule, Shift, Site } from './model.js';
import { plan } from './planner.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 6, 14, 4); // 06:00 Berlin summer time

const helper = (over: Partial<Helper> = {}): Helper => ({
  id: 'h1',
  skills: ['first-aid'],
  resources: ['car'],
  location: { lat: 50.45, lon: 7.05 },
  maxTravelKm: 10,
  availability: [{ start: T0, end: T0 + 24 * H }],
  maxHoursPerDay: 8,
  ...over,
});

const shift = (over: Partial<Shift> = {}): Shift => ({
  id: 's1',
  taskId: 't1',
  siteId: 'site-a',
  location: { lat: 50.468, lon: 7.05 }, // 2 km north
  requiredSkills: ['first-aid'],
  requiredResources: ['car'],
  headcount: 1,
  start: T0 + 4 * H,
  end: T0 + 8 * H,
  priority: 3,
  ...over,
});

const siteA: Site = { id: 'site-a', capacity: 5 };

interface Case {
  rule: Rule;
  input: PlanInput;
  options?: PlanOptions;
}

/** s0 at another site, already accepted by h1, to test the rules between a helper's shifts. */
const withAccepted = (s0: Partial<Shift>, h: Partial<Helper> = {}, extra: Assignment[] = []): PlanInput => ({
  helpers: [helper(h)],
  shifts: [shift({ id: 's0', siteId: 'site-b', ...s0 }), shift()],
  sites: [siteA],
  assignments: [{ helperId: 'h1', shiftId: 's0', status: 'accepted' }, ...extra],
});

const cases: Case[] = [
  { rule: 'skill', input: { helpers: [helper()], shifts: [shift({ requiredSkills: ['chainsaw'] })], sites: [siteA] } },
  { rule: 'resource', input: { helpers: [helper()], shifts: [shift({ requiredResources: ['pump'] })], sites: [siteA] } },
  { rule: 'distance', input: { helpers: [helper({ maxTravelKm: 1.5 })], shifts: [shift()], sites: [siteA] } },
  {
    rule: 'availability',
    input: { helpers: [helper({ availability: [{ start: T0, end: T0 + 6 * H }] })], shifts: [shift()], sites: [siteA] },
  },
  { rule: 'max-hours', input: { helpers: [helper({ maxHoursPerDay: 3 })], shifts: [shift()], sites: [siteA] } },
  { rule: 'overlap', input: withAccepted({ start: T0 + 6 * H, end: T0 + 10 * H }) },
  { rule: 'rest', input: withAccepted({ start: T0 - 4 * H, end: T0 }, { availability: [{ start: T0 - 4 * H, end: T0 + 24 * H }] }) },
  {
    // Rest 0 h, so only the hours per day can stop the second shift: 2 h + 4 h > 5 h.
    rule: 'max-hours',
    input: withAccepted({ start: T0, end: T0 + 2 * H }, { maxHoursPerDay: 5 }),
    options: { restHours: 0 },
  },
  {
    rule: 'site-capacity',
    input: {
      helpers: [helper(), helper({ id: 'h2' })],
      shifts: [shift({ id: 's0', headcount: 1, start: T0 + 2 * H, end: T0 + 6 * H }), shift()],
      sites: [{ id: 'site-a', capacity: 1 }],
      assignments: [{ helperId: 'h2', shiftId: 's0', status: 'accepted' }],
    },
  },
  {
    rule: 'headcount',
    input: {
      helpers: [helper(), helper({ id: 'h2' })],
      shifts: [shift()],
      sites: [siteA],
      assignments: [{ helperId: 'h2', shiftId: 's1', status: 'accepted' }],
    },
  },
  {
    rule: 'excluded',
    input: { helpers: [helper()], shifts: [shift()], sites: [siteA], exclusions: [{ helperId: 'h1', shiftId: 's1' }] },
  },
];

test('control: the unbroken instance is filled and passes every rule', (t) => {
  const input = { helpers: [helper()], shifts: [shift()], sites: [siteA] };
  const p = plan(input);
  t.deepEqual(p.assignments, [{ helperId: 'h1', shiftId: 's1', status: 'proposed' }]);
  t.deepEqual(isFeasible(input, p.assignments).violations, []);
});

test('control: with a rest period of 3 h the shift after an early one is allowed', (t) => {
  const input = withAccepted({ start: T0 - 4 * H, end: T0 }, { availability: [{ start: T0 - 4 * H, end: T0 + 24 * H }] });
  const p = plan(input, { restHours: 3 });
  t.true(p.assignments.some((a) => a.shiftId === 's1' && a.helperId === 'h1'));
  t.true(isFeasible(input, p.assignments, { restHours: 3 }).feasible);
});

for (const [i, c] of cases.entries()) {
  test(`rule ${c.rule} (case ${i}): the planner leaves h1 off s1 and the checker names the rule`, (t) => {
    const p = plan(c.input, c.options);
    t.false(p.assignments.some((a) => a.helperId === 'h1' && a.shiftId === 's1'));
    t.true(isFeasible(c.input, p.assignments, c.options).feasible);
    const forced: Assignment[] = [
      ...(c.input.assignments ?? []).filter((a) => a.status === 'accepted'),
      { helperId: 'h1', shiftId: 's1', status: 'proposed' },
    ];
    const report = isFeasible(c.input, forced, c.options);
    t.false(report.feasible);
    t.true(report.violations.some((v) => v.rule === c.rule), JSON.stringify(report.violations));
  });
}

test('the checker reports unknown ids and duplicates', (t) => {
  const input = { helpers: [helper()], shifts: [shift()], sites: [siteA] };
  const rules = isFeasible(input, [
    { helperId: 'nobody', shiftId: 's1', status: 'proposed' },
    { helperId: 'h1', shiftId: 'nothing', status: 'proposed' },
    { helperId: 'h1', shiftId: 's1', status: 'proposed' },
    { helperId: 'h1', shiftId: 's1', status: 'proposed' },
  ]).violations.map((v) => v.rule);
  t.deepEqual(rules, ['unknown-helper', 'unknown-shift', 'duplicate']);
});

test('a shift spanning two adjacent availability windows is covered', (t) => {
  const input = {
    helpers: [helper({ availability: [{ start: T0, end: T0 + 5 * H }, { start: T0 + 5 * H, end: T0 + 9 * H }] })],
    shifts: [shift()],
    sites: [siteA],
  };
  t.is(plan(input).assignments.length, 1);
});

test('shifts that start before `now` get no new proposals', (t) => {
  const input = { helpers: [helper()], shifts: [shift()], sites: [siteA] };
  t.deepEqual(plan(input, { now: T0 + 5 * H }).assignments, []);
  t.is(plan(input, { now: T0 }).assignments.length, 1);
});
