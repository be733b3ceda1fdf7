import test from 'ava';
import fc from 'fast-check';
import { holds, instance, pairKey } from '../../test/arbitraries.js';
import { isFeasible } from './feasibility.js';
import { greedyFirstFit } from './greedy.js';
import type { Assignment, Helper, PlanInput, Shift } from './model.js';
import { score } from './objective.js';
import { plan } from './planner.js';

test('every assignment of a plan meets every rule (property)', (t) => {
  holds(
    t,
    fc.property(instance(), ({ input, options }) => {
      const p = plan(input, options);
      const report = isFeasible(input, p.assignments, options);
      if (!report.feasible) throw new Error(JSON.stringify(report.violations.slice(0, 3)));
      // The planner's own bookkeeping agrees with the reference objective.
      const ref = score(input, p.assignments, options);
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
      const same =
        p.score.priorityWeightedFill === ref.priorityWeightedFill &&
        p.score.filled === ref.filled &&
        p.score.helpersUsed === ref.helpersUsed &&
        close(p.score.travelKm, ref.travelKm) &&
        close(p.score.fairnessCost, ref.fairnessCost);
      return same && p.assignments.every((a) => a.status === 'proposed');
    }),
    200,
  );
});

test('accepted assignments stay where they are in a fresh plan (property)', (t) => {
  holds(
    t,
    fc.property(instance(), fc.infiniteStream(fc.boolean()), ({ input, options }, coins) => {
      const first = plan(input, options);
      const it = coins[Symbol.iterator]();
      const accepted: Assignment[] = first.assignments
        .filter(() => it.next().value === true)
        .map((a) => ({ ...a, status: 'accepted' }));
      // Priorities change between the rounds, so the planner has reason to move things.
      const second = plan(
        {
          ...input,
          shifts: input.shifts.map((s) => ({ ...s, priority: (6 - s.priority) as Shift['priority'] })),
          assignments: accepted,
        },
        options,
      );
      const now = new Map(second.assignments.map((a) => [pairKey(a), a.status]));
      return accepted.every((a) => now.get(pairKey(a)) === 'accepted') && isFeasible(input, second.assignments, options).feasible;
    }),
    60,
  );
});

test('the same input in any order gives the same plan (property)', (t) => {
  holds(
    t,
    fc.property(instance(), fc.integer(), ({ input, options }, salt) => {
      const shuffle = <T>(xs: readonly T[]) =>
        xs
          .map((x, i) => ({ x, k: Math.sin(i * 12.9898 + salt) }))
          .sort((a, b) => a.k - b.k)
          .map((e) => e.x);
      const reordered: PlanInput = {
        helpers: shuffle(input.helpers).map((h) => ({ ...h, skills: [...h.skills].reverse() })),
        shifts: shuffle(input.shifts),
        sites: shuffle(input.sites),
      };
      const a = plan(input, options);
      const b = plan(reordered, options);
      t.deepEqual(b.assignments, a.assignments);
      t.deepEqual(b.score, a.score);
      return true;
    }),
    40,
  );
});

test('an augmenting move fills a slot that first-fit leaves open', (t) => {
  // GIVEN helper a can work both shifts, helper b (farther away) only the first, which is more
  // urgent and so planned first: the nearest helper a takes it before the licence shift is seen
  const T = Date.UTC(2026, 6, 14, 6);
  const base: Helper = {
    id: 'a',
    skills: ['licence-c'],
    resources: [],
    location: { lat: 50, lon: 7 },
    maxTravelKm: 20,
    availability: [{ start: T, end: T + 12 * 3_600_000 }],
    maxHoursPerDay: 10,
  };
  const mk = (id: string, skills: string[], priority: Shift['priority']): Shift => ({
    id,
    taskId: id,
    siteId: 'x',
    location: { lat: 50.01, lon: 7 },
    requiredSkills: skills,
    requiredResources: [],
    headcount: 1,
    start: T,
    end: T + 4 * 3_600_000,
    priority,
  });
  const input: PlanInput = {
    helpers: [base, { ...base, id: 'b', skills: [], location: { lat: 50.05, lon: 7 } }],
    shifts: [mk('s1', [], 4), mk('s2', ['licence-c'], 3)],
    sites: [],
  };
  // WHEN first-fit gives a the first shift, THEN the licence shift stays open
  t.is(greedyFirstFit(input).score.filled, 1);
  // WHEN planning, THEN the augmenting search moves a to the licence shift and b fills s1
  const p = plan(input);
  t.deepEqual(
    p.assignments.map((a) => `${a.helperId}→${a.shiftId}`),
    ['b→s1', 'a→s2'],
  );
});

test('higher priority wins a contested helper', (t) => {
  const T = Date.UTC(2026, 6, 14, 6);
  const h: Helper = {
    id: 'only',
    skills: [],
    resources: [],
    location: { lat: 50, lon: 7 },
    maxTravelKm: 20,
    availability: [{ start: T, end: T + 12 * 3_600_000 }],
    maxHoursPerDay: 10,
  };
  const mk = (id: string, priority: Shift['priority'], km: number): Shift => ({
    id,
    taskId: id,
    siteId: id,
    location: { lat: 50 + km / 111.2, lon: 7 },
    requiredSkills: [],
    requiredResources: [],
    headcount: 1,
    start: T,
    end: T + 4 * 3_600_000,
    priority,
  });
  const p = plan({ helpers: [h], shifts: [mk('near-low', 2, 1), mk('far-high', 5, 15)], sites: [] });
  t.deepEqual(p.assignments.map((a) => a.shiftId), ['far-high']);
  t.deepEqual(p.unfilled, [{ shiftId: 'near-low', open: 1 }]);
});

test('larger instances, where candidate lists are truncated and extended, stay feasible and deterministic (property)', (t) => {
  holds(
    t,
    fc.property(instance({ minHelpers: 200, maxHelpers: 400, minShifts: 5, maxShifts: 20 }), ({ input, options }) => {
      const p = plan(input, options);
      const report = isFeasible(input, p.assignments, options);
      if (!report.feasible) throw new Error(JSON.stringify(report.violations.slice(0, 3)));
      const again = plan({ ...input, helpers: [...input.helpers].reverse(), shifts: [...input.shifts].reverse() }, options);
      t.deepEqual(again.assignments, p.assignments);
      return true;
    }),
    8,
  );
});
