import test from 'ava';
import centroids from './data/postal-code-centroids.json' with { type: 'json' };
import { postalCodeCentroid } from './postal-code-centroid.js';

test('a postal code maps to the rounded centroid of its area', (t) => {
  // Halle (Saale) Altstadt and Halle-Neustadt, Dresden Altstadt
  t.deepEqual(postalCodeCentroid('06108'), { latitude: 51.49, longitude: 11.96 });
  t.deepEqual(postalCodeCentroid('06124'), { latitude: 51.47, longitude: 11.93 });
  t.deepEqual(postalCodeCentroid('01067'), { latitude: 51.06, longitude: 13.72 });
});

test('an unknown, missing or malformed postal code gives no location', (t) => {
  for (const code of ['00000', '1234', '', null, undefined, 'constructor']) t.is(postalCodeCentroid(code), null, String(code));
});

test('the table covers Germany, inside its borders, no finer than 0.01°', (t) => {
  const entries = Object.entries(centroids as unknown as Record<string, [number, number]>);
  t.true(entries.length > 8000, `${entries.length} codes`);
  for (const [code, [lat, lon]] of entries) {
    t.regex(code, /^\d{5}$/);
    t.true(lat > 47.2 && lat < 55.1 && lon > 5.8 && lon < 15.1, code);
    t.is(Math.round(lat * 100) / 100, lat, code);
    t.is(Math.round(lon * 100) / 100, lon, code);
  }
});
