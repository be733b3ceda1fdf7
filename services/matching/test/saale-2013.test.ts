import test from 'ava';
import { plan } from '../src/engine/planner.js';
import { saaleFlood } from './support/scenario/saale-2013.js';

test('the same seed gives the same scenario, another seed another one', (t) => {
  const a = saaleFlood({ helpers: 500, slots: 200, seed: 7 });
  t.deepEqual(saaleFlood({ helpers: 500, slots: 200, seed: 7 }), a);
  t.notDeepEqual(saaleFlood({ helpers: 500, slots: 200, seed: 8 }), a);
});

test('the slots add up to exactly the requested headcount', (t) => {
  for (const slots of [1, 17, 1000]) {
    const { shifts } = saaleFlood({ helpers: 10, slots });
    t.is(shifts.reduce((n, s) => n + s.headcount, 0), slots);
    t.true(shifts.every((s) => s.headcount >= 1));
  }
});

test('everything lies in the Saale region between Naumburg, Bernburg and Leipzig', (t) => {
  const { helpers, shifts } = saaleFlood({ helpers: 2000, slots: 1000 });
  const inBox = (p: { lat: number; lon: number }) => p.lat > 51.0 && p.lat < 51.9 && p.lon > 11.6 && p.lon < 12.5;
  t.true(helpers.every((h) => inBox(h.location)));
  t.true(shifts.every((s) => inBox(s.location)));
});

test('the problem is contested: even a good plan leaves over 10 % of the slots open, urgent tiers included', (t) => {
  const scenario = saaleFlood({ helpers: 3000, slots: 1000 });
  const p = plan(scenario, { searchIterations: 100 });
  t.true(p.score.filled < 0.9 * p.score.demand, `filled ${p.score.filled} of ${p.score.demand}`);
  const priority = new Map(scenario.shifts.map((s) => [s.id, s.priority]));
  const open = new Set(p.unfilled.map((u) => priority.get(u.shiftId)));
  t.true([3, 4, 5].every((tier) => open.has(tier as 3 | 4 | 5)), `open tiers ${[...open].join(',')}`);
  const tiers = new Set(scenario.shifts.map((s) => s.priority));
  t.deepEqual([...tiers].sort(), [1, 2, 3, 4, 5]);
});
