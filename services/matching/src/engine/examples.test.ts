// The worked examples of issue 15, each with the answer a coordinator and a volunteer expect.
import test from 'ava';
import { isFeasible } from './feasibility.js';
import type { Helper, PlanInput, Shift } from './model.js';
import { plan } from './planner.js';

/** Epoch ms of `hour`:`minute` Berlin time on `day` days after 14 July 2026 (summer time, UTC+2). */
const summer = (day: number, hour: number, minute = 0) => Date.UTC(2026, 6, 14 + day, hour - 2, minute);

function volunteer(over: Partial<Helper> = {}): Helper {
  return {
    id: 'v',
    skills: [],
    resources: [],
    location: { lat: 51.48, lon: 11.97 },
    maxTravelKm: 20,
    availability: [{ start: summer(0, 6), end: summer(1, 11) }],
    maxHoursPerDay: 8,
    ...over,
  };
}

function shift(id: string, start: number, end: number, priority: Shift['priority'], over: Partial<Shift> = {}): Shift {
  return {
    id,
    taskId: id,
    siteId: `site-${id}`,
    location: { lat: 51.49, lon: 11.97 },
    requiredSkills: [],
    requiredResources: [],
    headcount: 1,
    start,
    end,
    priority,
    ...over,
  };
}

const assigned = (p: { assignments: readonly { helperId: string; shiftId: string }[] }) =>
  p.assignments.map((a) => `${a.helperId}→${a.shiftId}`);

// Shift A (priority 3, day 0 06–10) and B (priority 3, day 1 06–10) each leave less than the 11 h
// rest period next to C (priority 5, day 0 18–22); the volunteer can do C alone or A and B.
const urgentOrTwo: PlanInput = {
  helpers: [volunteer()],
  shifts: [
    shift('A', summer(0, 6), summer(0, 10), 3),
    shift('B', summer(1, 6), summer(1, 10), 3),
    shift('C', summer(0, 18), summer(0, 22), 5),
  ],
  sites: [],
};

test('the most urgent shift is filled even when two less urgent ones would fill more slots', (t) => {
  const p = plan(urgentOrTwo, { restHours: 11 });
  t.deepEqual(assigned(p), ['v→C']);
  t.deepEqual(p.unfilled.map((u) => u.shiftId), ['A', 'B']);
  t.deepEqual(p.score.filledByPriority, [0, 0, 0, 0, 1]);
});

test('only the explicit weighted mode trades the most urgent shift for two less urgent ones', (t) => {
  const p = plan(urgentOrTwo, { restHours: 11, priority: 'weighted' });
  t.deepEqual(assigned(p), ['v→A', 'v→B']);
});

test('a volunteer with at most 4 h a day gets no 22:00–04:00 shift', (t) => {
  const input: PlanInput = {
    helpers: [volunteer({ maxHoursPerDay: 4, availability: [{ start: summer(0, 20), end: summer(1, 6) }] })],
    shifts: [shift('night', summer(0, 22), summer(1, 4), 5)],
    sites: [],
  };
  t.deepEqual(plan(input).assignments, []);
  const forced = isFeasible(input, [{ helperId: 'v', shiftId: 'night', status: 'proposed' }]);
  t.deepEqual(forced.violations.map((v) => v.rule), ['max-hours', 'max-hours', 'max-hours']);
});

test('a night shift counts whole to the next morning, so it and a morning shift stay within the daily maximum', (t) => {
  // GIVEN 6 h a day, a 22:00–02:00 night (4 h) and a 06:00–10:00 morning shift (4 h) the next day
  const input: PlanInput = {
    helpers: [volunteer({ maxHoursPerDay: 6, availability: [{ start: summer(0, 20), end: summer(1, 12) }] })],
    shifts: [shift('night', summer(0, 22), summer(1, 2), 5), shift('morning', summer(1, 6), summer(1, 10), 4)],
    sites: [],
  };
  // WHEN planned without a rest period THEN only the night shift: both touch day 1, 4 + 4 h > 6 h
  const p = plan(input, { restHours: 0 });
  t.deepEqual(assigned(p), ['v→night']);
  t.false(isFeasible(input, [...p.assignments, { helperId: 'v', shiftId: 'morning', status: 'proposed' }], { restHours: 0 }).feasible);
  // and with 8 h a day both fit
  const roomy = { ...input, helpers: [{ ...input.helpers[0]!, maxHoursPerDay: 8 }] };
  t.deepEqual(assigned(plan(roomy, { restHours: 0 })), ['v→morning', 'v→night']);
});

test('a night shift across a clock change counts its elapsed hours: 5 h in March, 7 h in October', (t) => {
  // 22:00–04:00 Berlin time: 28/29 March 2026 (clocks go forward), 24/25 October 2026 (back).
  const march = shift('march', Date.UTC(2026, 2, 28, 21), Date.UTC(2026, 2, 29, 2), 5);
  const october = shift('october', Date.UTC(2026, 9, 24, 20), Date.UTC(2026, 9, 25, 3), 5);
  const always = [{ start: Date.UTC(2026, 0, 1), end: Date.UTC(2027, 0, 1) }];
  const planFor = (s: Shift, maxHoursPerDay: number) =>
    plan({ helpers: [volunteer({ maxHoursPerDay, availability: always })], shifts: [s], sites: [] }).score.filled;
  t.is(planFor(march, 5), 1);
  t.is(planFor(march, 4), 0);
  t.is(planFor(october, 7), 1);
  t.is(planFor(october, 6), 0);
});

test('two touching availability windows, 06–10 and 10–15, take a shift across 10:00', (t) => {
  const input: PlanInput = {
    helpers: [
      volunteer({
        availability: [
          { start: summer(0, 6), end: summer(0, 10) },
          { start: summer(0, 10), end: summer(0, 15) },
        ],
      }),
    ],
    shifts: [shift('across', summer(0, 8), summer(0, 12), 3)],
    sites: [],
  };
  t.deepEqual(assigned(plan(input)), ['v→across']);
  // A gap of one minute between the windows breaks it.
  const gap = { ...input, helpers: [volunteer({ availability: [{ start: summer(0, 6), end: summer(0, 10) }, { start: summer(0, 10, 1), end: summer(0, 15) }] })] };
  t.deepEqual(plan(gap).assignments, []);
});

test('a full site of 50 places fills 50 slots of 100 with 100 helpers at the same time', (t) => {
  // GIVEN 100 helpers, 50 shifts of headcount 2 at one site of capacity 50, all at the same time
  const helpers = Array.from({ length: 100 }, (_, i) =>
    volunteer({ id: `h${String(i).padStart(3, '0')}`, location: { lat: 51.48 + i * 1e-4, lon: 11.97 } }),
  );
  const shifts = Array.from({ length: 50 }, (_, i) =>
    shift(`s${String(i).padStart(2, '0')}`, summer(0, 8), summer(0, 12), 3, { siteId: 'levee', headcount: 2 }),
  );
  const input: PlanInput = { helpers, shifts, sites: [{ id: 'levee', capacity: 50 }] };
  // WHEN planned THEN the site is full and no rule is broken
  const p = plan(input);
  t.is(p.score.filled, 50);
  t.true(isFeasible(input, p.assignments).feasible);
});
