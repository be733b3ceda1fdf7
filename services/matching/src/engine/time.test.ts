import test from 'ava';
import fc from 'fast-check';
import { holds } from '../../test/arbitraries.js';
import { berlinDay, splitByBerlinDay } from './time.js';

const berlinDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

test('berlinDay agrees with the Europe/Berlin calendar date of the time-zone database', (t) => {
  holds(
    t,
    fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (ms) => {
      const expected = Date.parse(`${berlinDate.format(ms)}T00:00:00Z`) / 86_400_000;
      return berlinDay(ms) === expected;
    }),
    500,
  );
});

test('berlinDay switches exactly at local midnight around both summer-time changes', (t) => {
  // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
  t.is(berlinDay(Date.UTC(2026, 2, 28, 22, 59)), berlinDay(Date.UTC(2026, 2, 28, 12)));
  t.is(berlinDay(Date.UTC(2026, 2, 28, 23, 0)), berlinDay(Date.UTC(2026, 2, 28, 12)) + 1);
  t.is(berlinDay(Date.UTC(2026, 2, 29, 21, 59)), berlinDay(Date.UTC(2026, 2, 29, 12)));
  t.is(berlinDay(Date.UTC(2026, 2, 29, 22, 0)), berlinDay(Date.UTC(2026, 2, 29, 12)) + 1);
  t.is(berlinDay(Date.UTC(2026, 9, 24, 22, 0)), berlinDay(Date.UTC(2026, 9, 25, 12)));
  t.is(berlinDay(Date.UTC(2026, 9, 25, 23, 0)), berlinDay(Date.UTC(2026, 9, 25, 12)) + 1);
});

test('a night shift in summer counts 2 h to the first day and 6 h to the next', (t) => {
  // 22:00–06:00 Berlin summer time is 20:00–04:00 UTC.
  const pieces = splitByBerlinDay(Date.UTC(2026, 6, 14, 20), Date.UTC(2026, 6, 15, 4));
  t.deepEqual(
    pieces.map(([, ms]) => ms / 3_600_000),
    [2, 6],
  );
  t.is(pieces[1]![0] - pieces[0]![0], 1);
});

test('the pieces of any interval add up to its length, one per day, in day order', (t) => {
  holds(
    t,
    fc.property(
      fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
      fc.integer({ min: 1, max: 4 * 86_400_000 }),
      (start, length) => {
        const pieces = splitByBerlinDay(start, start + length);
        const total = pieces.reduce((s, [, ms]) => s + ms, 0);
        const consecutive = pieces.every(([d], i) => i === 0 || d === pieces[i - 1]![0] + 1);
        return total === length && consecutive && pieces.every(([, ms]) => ms > 0 && ms <= 25 * 3_600_000);
      },
    ),
    300,
  );
});
