import test from 'ava';
import fc from 'fast-check';
import { holds, instance } from '../../test/arbitraries.js';
import { CandidateIndex } from './candidate-index.js';
import { compile, staticPairDistance } from './compile.js';

const bigger = instance({ minHelpers: 50, maxHelpers: 200, minShifts: 1, maxShifts: 6 });

test('the spatial index finds exactly the helpers a brute-force scan accepts (property)', (t) => {
  holds(
    t,
    fc.property(bigger, ({ input, options }) => {
      const c = compile(input, options);
      const index = new CandidateIndex(c);
      for (let s = 0; s < c.shifts.length; s++) {
        const brute = c.helpers.map((_, h) => h).filter((h) => staticPairDistance(c, h, s) >= 0);
        const found = [...index.all(s).helpers].sort((a, b) => a - b);
        t.deepEqual(found, brute);
      }
      return true;
    }),
    30,
  );
});

test('a truncated list holds the nearest candidates, nearest first (property)', (t) => {
  holds(
    t,
    fc.property(bigger, fc.integer({ min: 1, max: 8 }), ({ input, options }, limit) => {
      const c = compile(input, options);
      const index = new CandidateIndex(c, () => limit);
      for (let s = 0; s < c.shifts.length; s++) {
        const all = c.helpers
          .map((_, h) => ({ h, d: staticPairDistance(c, h, s) }))
          .filter((x) => x.d >= 0)
          .sort((a, b) => a.d - b.d || a.h - b.h);
        const list = index.get(s);
        t.is(list.complete, all.length < limit);
        // Distances, not helper ids: two helpers equally far may swap places at the cut, since
        // geokdbush ranks by its own (monotone, equally exact) form of the haversine formula.
        const expected = all.slice(0, limit).map((x) => x.d);
        t.is(list.distKm.length, expected.length);
        t.true([...list.distKm].every((d, i) => Math.abs(d - expected[i]!) <= 1e-9));
      }
      return true;
    }),
    30,
  );
});
