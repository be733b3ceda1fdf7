import test from 'ava';
import fc from 'fast-check';
import { holds, instance } from '../../test/arbitraries.js';
import { isFeasible } from './feasibility.js';
import { greedyByPriority } from './greedy.js';
import type { Helper, Shift } from './model.js';

test('the priority greedy baseline meets every rule (property)', (t) => {
  holds(
    t,
    fc.property(instance(), ({ input, options }) => {
      const report = isFeasible(input, greedyByPriority(input, options).assignments, options);
      if (!report.feasible) throw new Error(JSON.stringify(report.violations.slice(0, 3)));
      return true;
    }),
    100,
  );
});

test('the priority greedy baseline gives the most urgent shift the nearest helper first', (t) => {
  const T = Date.UTC(2013, 5, 4, 6);
  const mk = (id: string, km: number): Helper => ({
    id,
    skills: [],
    resources: [],
    location: { lat: 51.48 + km / 111.2, lon: 11.97 },
    maxTravelKm: 20,
    availability: [{ start: T, end: T + 12 * 3_600_000 }],
    maxHoursPerDay: 10,
  });
  const shift = (id: string, priority: Shift['priority']): Shift => ({
    id,
    taskId: id,
    siteId: id,
    location: { lat: 51.48, lon: 11.97 },
    requiredSkills: [],
    requiredResources: [],
    headcount: 1,
    start: T,
    end: T + 4 * 3_600_000,
    priority,
  });
  const p = greedyByPriority({ helpers: [mk('far', 5), mk('near', 1)], shifts: [shift('a-low', 2), shift('b-urgent', 5)], sites: [] });
  t.deepEqual(p.assignments.map((a) => `${a.helperId}→${a.shiftId}`), ['far→a-low', 'near→b-urgent']);
});
