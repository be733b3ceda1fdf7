import test from 'ava';
import type { Score } from './model.js';
import { compareScores, fairnessCost, score } from './objective.js';
import { floodScenario } from '../../test/support/scenario/flood.js';

const base: Score = {
  priorityWeightedFill: 10,
  filledByPriority: [0, 1, 1, 1, 1],
  filled: 4,
  travelKm: 20,
  fairnessCost: 0,
  secondaryCost: 20,
  priorityWeightedDemand: 20,
  demand: 8,
  helpersUsed: 4,
  maxShiftsPerHelper: 1,
};

test('strict scores compare tier by tier from priority 5 down, then filled, then travel + fairness', (t) => {
  // One more priority-5 slot beats three more priority-3 slots, whatever the weighted sum says.
  const urgent = { ...base, filledByPriority: [0, 1, 1, 1, 2], priorityWeightedFill: 15 };
  const many = { ...base, filledByPriority: [0, 1, 4, 1, 1], priorityWeightedFill: 19, filled: 7 };
  t.true(compareScores(urgent, many) < 0);
  t.true(compareScores(many, urgent, 1e-6, 'weighted') < 0);
  t.true(compareScores({ ...base, filled: 5, secondaryCost: 999 }, base) < 0);
  t.true(compareScores({ ...base, secondaryCost: 19 }, base) < 0);
  t.is(compareScores(base, { ...base }), 0);
});

test('weighted scores compare lexicographically: weighted fill, then filled, then travel + fairness', (t) => {
  const cmp = (a: Score, b: Score) => compareScores(a, b, 1e-6, 'weighted');
  t.true(cmp({ ...base, priorityWeightedFill: 11, filled: 1, secondaryCost: 999 }, base) < 0);
  t.true(cmp({ ...base, filled: 5, secondaryCost: 999 }, base) < 0);
  t.true(cmp({ ...base, secondaryCost: 19 }, base) < 0);
  t.true(cmp({ ...base, secondaryCost: 21 }, base) > 0);
  t.is(cmp(base, { ...base }), 0);
});

test('the fairness cost grows with the square of a helper’s shifts', (t) => {
  t.is(fairnessCost([1, 1, 1, 1], 10), 0);
  t.is(fairnessCost([2, 1, 1], 10), 10);
  t.is(fairnessCost([4], 10), 60);
});

test('score adds up priority, count and travel of the assignments it is given', (t) => {
  const sc = floodScenario({ helpers: 3, shifts: 2, seed: 5 });
  const [a, b] = sc.shifts;
  const s = score(sc, [
    { helperId: sc.helpers[0]!.id, shiftId: a!.id, status: 'proposed' },
    { helperId: sc.helpers[0]!.id, shiftId: b!.id, status: 'proposed' },
    { helperId: sc.helpers[1]!.id, shiftId: b!.id, status: 'accepted' },
  ]);
  t.is(s.priorityWeightedFill, a!.priority + 2 * b!.priority);
  t.is(s.filled, 3);
  t.is(s.helpersUsed, 2);
  t.is(s.maxShiftsPerHelper, 2);
  t.is(s.fairnessCost, 10);
  t.is(s.demand, a!.headcount + b!.headcount);
});

test('the scenario generator is a pure function of its options', (t) => {
  t.deepEqual(floodScenario({ helpers: 50, shifts: 10, seed: 9 }), floodScenario({ helpers: 50, shifts: 10, seed: 9 }));
  t.notDeepEqual(floodScenario({ helpers: 50, shifts: 10, seed: 9 }), floodScenario({ helpers: 50, shifts: 10, seed: 10 }));
});
