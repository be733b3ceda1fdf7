import test from 'ava';
import { roundsByKey } from '../src/notifications/consumers.js';

test('roundsByKey puts the k-th event of each key into round k, keeping stream order within a key and within a round', (t) => {
  const events = ['a1', 'b1', 'a2', 'c1', 'a3', 'b2'];
  t.deepEqual(roundsByKey(events, (e) => e[0]!), [['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
  t.deepEqual(roundsByKey([], (e: string) => e), []);
  const distinct = Array.from({ length: 100 }, (_, i) => `k${i}`);
  t.deepEqual(roundsByKey(distinct, (e) => e), [distinct], 'a round of proposals to different helpers is one round');
});
