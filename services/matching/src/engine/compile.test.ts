import test from 'ava';
import { compile, mergeWindows, windowsContain } from './compile.js';
import { MatchingInputError, type Helper, type PlanInput, type Shift } from './model.js';

const T = Date.UTC(2026, 6, 14, 6);
const helper: Helper = {
  id: 'h',
  skills: [],
  resources: [],
  location: { lat: 50, lon: 7 },
  maxTravelKm: 10,
  availability: [{ start: T, end: T + 8 * 3_600_000 }],
  maxHoursPerDay: 8,
};
const shift: Shift = {
  id: 's',
  taskId: 't',
  siteId: 'x',
  location: { lat: 50, lon: 7 },
  requiredSkills: [],
  requiredResources: [],
  headcount: 1,
  start: T,
  end: T + 3_600_000,
  priority: 3,
};

const bad: [string, PlanInput][] = [
  ['duplicate helper ids', { helpers: [helper, helper], shifts: [], sites: [] }],
  ['a shift ending before it starts', { helpers: [], shifts: [{ ...shift, end: shift.start }], sites: [] }],
  ['priority 0', { helpers: [], shifts: [{ ...shift, priority: 0 as Shift['priority'] }], sites: [] }],
  ['a fractional headcount', { helpers: [], shifts: [{ ...shift, headcount: 1.5 }], sites: [] }],
  ['a negative travel distance', { helpers: [{ ...helper, maxTravelKm: -1 }], shifts: [], sites: [] }],
  ['a latitude that is not a number', { helpers: [{ ...helper, location: { lat: NaN, lon: 7 } }], shifts: [], sites: [] }],
  ['a negative site capacity', { helpers: [], shifts: [], sites: [{ id: 'x', capacity: -1 }] }],
];

for (const [what, input] of bad) {
  test(`input with ${what} is rejected with a MatchingInputError`, (t) => {
    t.throws(() => compile(input), { instanceOf: MatchingInputError });
  });
}

test('availability windows merge when they touch or overlap and are checked as a union', (t) => {
  const w = mergeWindows([
    { start: 30, end: 40 },
    { start: 0, end: 10 },
    { start: 10, end: 20 },
    { start: 15, end: 18 },
  ]);
  t.deepEqual([...w], [0, 20, 30, 40]);
  t.true(windowsContain(w, 5, 20));
  t.false(windowsContain(w, 15, 35));
  t.true(windowsContain(w, 30, 40));
});

test('ids are sorted, so the caller’s order never decides a tie', (t) => {
  const c = compile({ helpers: [{ ...helper, id: 'b' }, { ...helper, id: 'a' }], shifts: [], sites: [] });
  t.deepEqual(
    c.helpers.map((h) => h.id),
    ['a', 'b'],
  );
});
