import test from 'ava';
import fc from 'fast-check';
import { holds, instance, pairKey, type Instance } from '../../test/arbitraries.js';
import { isFeasible } from './feasibility.js';
import { replan } from './incremental.js';
import type { Helper, PlanDelta, Shift } from './model.js';
import { plan } from './planner.js';

/** A random delta over a planned instance: some accepts, declines, cancellations, departures, arrivals. */
const scenario = (inst: fc.Arbitrary<Instance>) => fc.tuple(inst, fc.infiniteStream(fc.integer({ min: 0, max: 9 })));

/** Every assignment the delta does not invalidate is still there, with its status, and all is feasible. */
const neverMoves = (inst: fc.Arbitrary<Instance>) =>
  fc.property(scenario(inst), ([{ input, options, spareHelpers }, dice]) => {
    const it = dice[Symbol.iterator]();
    const roll = () => it.next().value as number;
    const first = plan(input, options);
    const accepts = first.assignments.filter(() => roll() < 4);
    const accepted = replan(first, { accepts }, options);
    const proposed = accepted.assignments.filter((a) => a.status === 'proposed');
    const delta: PlanDelta = {
      declines: proposed.filter(() => roll() < 2),
      cancelShiftIds: input.shifts.filter(() => roll() < 1).map((s) => s.id),
      removeHelperIds: input.helpers.filter(() => roll() < 1).map((h) => h.id),
      addHelpers: spareHelpers.filter(() => roll() < 5),
    };
    const next = replan(accepted, delta, options);

    const gone = (a: { helperId: string; shiftId: string }) =>
      delta.cancelShiftIds!.includes(a.shiftId) || delta.removeHelperIds!.includes(a.helperId);
    const declined = new Set(delta.declines!.map(pairKey));
    const now = new Map(next.assignments.map((a) => [pairKey(a), a.status]));
    for (const a of accepted.assignments) {
      if (gone(a) || declined.has(pairKey(a))) {
        if (now.has(pairKey(a))) throw new Error(`${pairKey(a)} should be gone`);
      } else if (now.get(pairKey(a)) !== a.status) {
        throw new Error(`${pairKey(a)} moved (was ${a.status})`);
      }
    }
    const acceptedBefore = accepts.filter((a) => !gone(a));
    if (!acceptedBefore.every((a) => now.get(pairKey(a)) === 'accepted')) throw new Error('acceptance lost');
    const report = isFeasible(next.input, next.assignments, options);
    if (!report.feasible) throw new Error(JSON.stringify(report.violations.slice(0, 3)));
    return true;
  });

test('re-planning never moves an accepted or untouched proposed assignment (property)', (t) => {
  holds(t, neverMoves(instance()), 80);
});

test('the same holds on larger instances with truncated candidate lists (property)', (t) => {
  holds(t, neverMoves(instance({ minHelpers: 200, maxHelpers: 400, minShifts: 5, maxShifts: 20 })), 6);
});

test('a replan of nothing changes nothing (property)', (t) => {
  holds(
    t,
    fc.property(instance(), ({ input, options }) => {
      const p = plan(input, options);
      const q = replan(p, {}, options);
      t.deepEqual(q.assignments, p.assignments);
      return true;
    }),
    30,
  );
});

const T = Date.UTC(2026, 6, 14, 6);
const helper = (id: string, over: Partial<Helper> = {}): Helper => ({
  id,
  skills: [],
  resources: [],
  location: { lat: 50, lon: 7 },
  maxTravelKm: 20,
  availability: [{ start: T, end: T + 48 * 3_600_000 }],
  maxHoursPerDay: 10,
  ...over,
});
const shift = (id: string, over: Partial<Shift> = {}): Shift => ({
  id,
  taskId: id,
  siteId: id,
  location: { lat: 50.01, lon: 7 },
  requiredSkills: [],
  requiredResources: [],
  headcount: 1,
  start: T,
  end: T + 4 * 3_600_000,
  priority: 3,
  ...over,
});

test('a new helper fills an open slot without touching the existing proposal', (t) => {
  const p = plan({ helpers: [helper('a')], shifts: [shift('s1', { headcount: 2 })], sites: [] });
  t.deepEqual(p.unfilled, [{ shiftId: 's1', open: 1 }]);
  const q = replan(p, { addHelpers: [helper('b')] });
  t.deepEqual(
    q.assignments.map((a) => `${a.helperId}→${a.shiftId}`),
    ['a→s1', 'b→s1'],
  );
  t.deepEqual(q.unfilled, []);
});

test('a decline frees the slot, proposes someone else and never the same pair again', (t) => {
  const p = plan({ helpers: [helper('a'), helper('b', { location: { lat: 50.1, lon: 7 } })], shifts: [shift('s1')], sites: [] });
  t.deepEqual(p.assignments.map((a) => a.helperId), ['a']);
  const q = replan(p, { declines: [{ helperId: 'a', shiftId: 's1' }] });
  t.deepEqual(q.assignments.map((a) => a.helperId), ['b']);
  t.deepEqual(q.input.exclusions, [{ helperId: 'a', shiftId: 's1' }]);
  const r = replan(q, { removeHelperIds: ['b'] });
  t.deepEqual(r.assignments, []);
});

test('a cancellation frees its helpers for other open shifts', (t) => {
  const p = plan({
    helpers: [helper('a')],
    shifts: [shift('s1', { priority: 5 }), shift('s2', { priority: 2 })],
    sites: [],
  });
  t.deepEqual(p.assignments.map((a) => a.shiftId), ['s1']);
  const q = replan(p, { cancelShiftIds: ['s1'] });
  t.deepEqual(q.assignments.map((a) => `${a.helperId}→${a.shiftId}`), ['a→s2']);
});

test('a new urgent shift does not take a helper from an accepted assignment', (t) => {
  const p = plan({ helpers: [helper('a')], shifts: [shift('s1', { priority: 1 })], sites: [] });
  const accepted = replan(p, { accepts: [{ helperId: 'a', shiftId: 's1' }] });
  const q = replan(accepted, { addShifts: [shift('urgent', { priority: 5 })] });
  t.deepEqual(q.assignments, [{ helperId: 'a', shiftId: 's1', status: 'accepted' }]);
  t.deepEqual(q.unfilled, [{ shiftId: 'urgent', open: 1 }]);
});

test('a plan survives a JSON round trip: replanning the stored copy gives the same result (property)', (t) => {
  holds(
    t,
    fc.property(instance(), ({ input, options, spareHelpers }) => {
      const p = plan(input, options);
      const stored = JSON.parse(JSON.stringify(p)) as typeof p;
      t.deepEqual(stored.load, p.load);
      const delta = { addHelpers: spareHelpers };
      t.deepEqual(replan(stored, delta, options).assignments, replan(p, delta, options).assignments);
      return true;
    }),
    20,
  );
});

test('a changed helper keeps an acceptance but loses a proposal it no longer qualifies for', (t) => {
  const p = plan({ helpers: [helper('a'), helper('b')], shifts: [shift('s1', { headcount: 2 })], sites: [] });
  const q = replan(p, { accepts: [{ helperId: 'a', shiftId: 's1' }] });
  // Both now say they can only travel 100 m.
  const r = replan(q, { addHelpers: [helper('a', { maxTravelKm: 0.1 }), helper('b', { maxTravelKm: 0.1 })] });
  t.deepEqual(r.assignments, [{ helperId: 'a', shiftId: 's1', status: 'accepted' }]);
  t.deepEqual(r.unfilled, [{ shiftId: 's1', open: 1 }]);
});

test('helpers joining never lower the fill, and re-planning is deterministic (property)', (t) => {
  holds(
    t,
    fc.property(instance(), ({ input, options, spareHelpers }) => {
      const p = plan(input, options);
      const a = replan(p, { addHelpers: spareHelpers }, options);
      const b = replan(p, { addHelpers: [...spareHelpers].reverse() }, options);
      t.deepEqual(b.assignments, a.assignments);
      return a.score.priorityWeightedFill >= p.score.priorityWeightedFill && a.score.filled >= p.score.filled;
    }),
    40,
  );
});
