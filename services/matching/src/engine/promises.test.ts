// The two promises of issue 15 as properties: strict priority and the daily maximum.
import test from 'ava';
import fc from 'fast-check';
import { holds, instance } from '../../test/arbitraries.js';
import { isFeasible, pairViolations } from './feasibility.js';
import type { Assignment, Helper, PlanInput, Shift } from './model.js';
import { plan } from './planner.js';

/**
 * An open slot of `s` that `helperId` could take by giving up only assignments less urgent than s:
 * their own, and those on overlapping shifts at s's site. Returns a description, or null.
 */
function tradeableSlot(input: PlanInput, assignments: readonly Assignment[], restHours: number): string | null {
  const shifts = new Map(input.shifts.map((s) => [s.id, s]));
  const excluded = new Set((input.exclusions ?? []).map((e) => `${e.helperId}|${e.shiftId}`));
  const crew = new Map<string, number>();
  for (const a of assignments) crew.set(a.shiftId, (crew.get(a.shiftId) ?? 0) + 1);
  for (const s of input.shifts) {
    if ((crew.get(s.id) ?? 0) >= s.headcount) continue;
    for (const h of input.helpers) {
      if (assignments.some((a) => a.helperId === h.id && a.shiftId === s.id)) continue;
      if (excluded.has(`${h.id}|${s.id}`) || pairViolations(h, s).length > 0) continue;
      const keep = assignments.filter((a) => {
        const t = shifts.get(a.shiftId)!;
        if (t.priority >= s.priority) return true;
        const sameSiteOverlap = t.siteId === s.siteId && t.start < s.end && s.start < t.end;
        return a.helperId !== h.id && !sameSiteOverlap;
      });
      const traded = [...keep, { helperId: h.id, shiftId: s.id, status: 'proposed' as const }];
      if (isFeasible(input, traded, { restHours }).feasible) return `${h.id} could take ${s.id} (priority ${s.priority})`;
    }
  }
  return null;
}

test('a feasible assignment to a more urgent slot is never given up for less urgent ones (property)', (t) => {
  holds(
    t,
    fc.property(instance({ maxHelpers: 12, maxShifts: 8 }), ({ input, options }) => {
      const p = plan(input, options);
      const found = tradeableSlot(input, p.assignments, options.restHours ?? 11);
      if (found) throw new Error(found);
      return true;
    }),
    150,
  );
});

const berlinDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });
const H = 3_600_000;
/** Nights around both 2026 clock changes and an ordinary summer night. */
const NIGHTS = [Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 9, 24, 12), Date.UTC(2026, 6, 14, 12)];

const nightInstance = fc
  .record({
    base: fc.constantFrom(...NIGHTS),
    restHours: fc.constantFrom(0, 2, 11),
    helpers: fc.array(fc.record({ max: fc.integer({ min: 1, max: 10 }), from: fc.integer({ min: -12, max: 24 }) }), { minLength: 1, maxLength: 4 }),
    shifts: fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 10 }), prio: fc.integer({ min: 1, max: 5 }), head: fc.integer({ min: 1, max: 3 }) }),
      { minLength: 1, maxLength: 10 },
    ),
  })
  .map(({ base, restHours, helpers, shifts }) => {
    const input: PlanInput = {
      helpers: helpers.map(
        (h, i): Helper => ({
          id: `h${i}`,
          skills: [],
          resources: [],
          location: { lat: 50, lon: 7 },
          maxTravelKm: 10,
          availability: [{ start: base + h.from * H, end: base + (h.from + 48) * H }],
          maxHoursPerDay: h.max,
        }),
      ),
      shifts: shifts.map(
        (s, i): Shift => ({
          id: `s${i}`,
          taskId: `s${i}`,
          siteId: `x${i}`,
          location: { lat: 50, lon: 7 },
          requiredSkills: [],
          requiredResources: [],
          headcount: s.head,
          // Half-hour steps from noon: evenings, nights across midnight and the clock change, mornings.
          start: base + s.at * (H / 2),
          end: base + s.at * (H / 2) + s.len * H,
          priority: s.prio as Shift['priority'],
        }),
      ),
      sites: [],
    };
    return { input, restHours };
  });

test('no helper exceeds their daily maximum on any day of the Berlin calendar, a shift counting whole to each day it touches (property)', (t) => {
  holds(
    t,
    fc.property(nightInstance, ({ input, restHours }) => {
      const p = plan(input, { restHours });
      const shifts = new Map(input.shifts.map((s) => [s.id, s]));
      for (const h of input.helpers) {
        const perDay = new Map<string, number>();
        for (const a of p.assignments.filter((x) => x.helperId === h.id)) {
          const s = shifts.get(a.shiftId)!;
          // Every Berlin date the shift has a minute in, by the time-zone database.
          const days = new Set<string>();
          for (let m = s.start; m < s.end; m += 60_000) days.add(berlinDate.format(m));
          for (const d of days) perDay.set(d, (perDay.get(d) ?? 0) + (s.end - s.start));
        }
        for (const [d, ms] of perDay) {
          if (ms > h.maxHoursPerDay * H) throw new Error(`${h.id}: ${ms / H} h on ${d} > ${h.maxHoursPerDay} h`);
        }
      }
      // The stricter promise is kept on every night too.
      return tradeableSlot(input, p.assignments, restHours) === null;
    }),
    200,
  );
});
