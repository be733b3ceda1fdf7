// Random small instances for property tests, built by the flood generator from a random seed and
// random shape parameters, so every instance has realistic skills, windows and geography while
// the parameters push the rules that rarely bind in a real flood (short rest, tight sites).
import fc from 'fast-check';
import type { PlanInput, PlanOptions } from '../src/engine/model.js';
import { floodScenario } from './support/scenario/flood.js';

export interface Instance {
  input: PlanInput;
  options: PlanOptions;
  /** Extra helpers from the same scenario, for "a helper joins" deltas. */
  spareHelpers: PlanInput['helpers'];
}

export interface InstanceSize {
  minHelpers?: number;
  maxHelpers: number;
  minShifts?: number;
  maxShifts: number;
}

export function instance(size: InstanceSize = { maxHelpers: 30, maxShifts: 8 }): fc.Arbitrary<Instance> {
  return fc
    .record({
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      helpers: fc.integer({ min: size.minHelpers ?? 2, max: size.maxHelpers }),
      shifts: fc.integer({ min: size.minShifts ?? 1, max: size.maxShifts }),
      widthKm: fc.integer({ min: 2, max: 30 }),
      days: fc.integer({ min: 1, max: 2 }),
      restHours: fc.constantFrom(0, 2, 11),
      capacity: fc.constantFrom<[number, number]>([1, 4], [3, 12], [10, 59]),
      sitesPerShift: fc.constantFrom(0.2, 0.5),
      headcountScale: fc.constantFrom(0.5, 1, 2),
    })
    .map((p) => {
      const sc = floodScenario({
        helpers: p.helpers + 5,
        shifts: p.shifts,
        seed: p.seed,
        widthKm: p.widthKm,
        heightKm: p.widthKm,
        days: p.days,
        siteCapacity: p.capacity,
        sitesPerShift: p.sitesPerShift,
        headcountScale: p.headcountScale,
      });
      return {
        input: { helpers: sc.helpers.slice(0, p.helpers), shifts: sc.shifts, sites: sc.sites },
        options: { restHours: p.restHours },
        spareHelpers: sc.helpers.slice(p.helpers),
      };
    });
}

export const pairKey = (a: { helperId: string; shiftId: string }) => `${a.helperId}|${a.shiftId}`;

/** Runs a fast-check property as an ava assertion, so a counterexample fails the test with its report. */
export function holds<Ts extends [unknown, ...unknown[]]>(
  t: { notThrows: (fn: () => void) => void },
  property: fc.IProperty<Ts>,
  numRuns: number,
): void {
  t.notThrows(() => fc.assert(property, { numRuns }));
}
