import test from 'ava';
import { isFeasible } from './engine/index.js';
import { floodScenario } from '../test/support/scenario/flood.js';
import { createWorkerPlanner } from './plan-worker.js';

test('a plan whose deadline has passed comes back from the worker complete and feasible, with the stop signal left out', async (t) => {
  const sc = floodScenario({ helpers: 400, shifts: 60, seed: 7 });
  const input = { helpers: sc.helpers, shifts: sc.shifts, sites: sc.sites };
  const planner = createWorkerPlanner({ deadlineMs: 1, graceMs: 60_000 });
  try {
    const p = await planner.plan(input, { restHours: 11 });
    t.true(p.score.filled > 0);
    t.true(isFeasible(input, p.assignments, { restHours: 11 }).feasible);
    t.false('shouldStop' in p.options);
    t.is(planner.running, 0);
  } finally {
    await planner.close();
  }
});
