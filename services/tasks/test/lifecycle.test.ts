import test from 'ava';
import { afterFillChange, allowedTransitions, fillStatus, taskStatuses, transitionProblem } from '../src/lifecycle.js';

test('fill decides open, partially filled and filled', (t) => {
  t.is(fillStatus(0, 3), 'open');
  t.is(fillStatus(1, 3), 'partially_filled');
  t.is(fillStatus(3, 3), 'filled');
  t.is(fillStatus(4, 3), 'filled');
});

test('GIVEN a filled task WHEN the headcount rises THEN it is partially filled again; a started or final task keeps its status', (t) => {
  t.is(afterFillChange('filled', 3, 5), 'partially_filled');
  t.is(afterFillChange('open', 2, 2), 'filled');
  for (const status of ['in_progress', 'completed', 'cancelled'] as const) t.is(afterFillChange(status, 0, 5), status);
});

test('allowed transitions pass; every other one is refused with a message naming the allowed ones', (t) => {
  const allowed: Array<[string, string]> = [
    ['open', 'cancelled'],
    ['open', 'in_progress'],
    ['partially_filled', 'in_progress'],
    ['partially_filled', 'cancelled'],
    ['filled', 'in_progress'],
    ['filled', 'cancelled'],
    ['in_progress', 'completed'],
    ['in_progress', 'cancelled'],
  ];
  for (const from of taskStatuses) {
    for (const to of taskStatuses) {
      const problem = transitionProblem(from, to);
      const expected = from === to || allowed.some(([f, s]) => f === from && s === to);
      t.is(problem === undefined, expected, `${from} → ${to}`);
      if (problem !== undefined) {
        for (const option of allowedTransitions(from)) t.true(problem.includes(option), `${from} → ${to}: ${problem}`);
      }
    }
  }
  t.regex(transitionProblem('completed', 'open') ?? '', /completed is final/);
  t.regex(transitionProblem('open', 'filled') ?? '', /follows the fill/);
});
