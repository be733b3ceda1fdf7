import test from 'ava';
import { coarse, postalAreaOf, profileOf } from '../src/profile.js';
import type { HelperAttributes } from '../src/models/helper.model.js';

const helper: HelperAttributes = {
  id: '6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11',
  incidentId: 'flood',
  status: 'active',
  name: 'Anna Beispiel',
  phoneE164: '+4915112345678',
  email: 'anna@example.org',
  postalCode: '01067',
  latitude: 51.050412,
  longitude: 13.737262,
  postalArea: '010',
  coarseLatitude: 51.05,
  coarseLongitude: 13.74,
  maxTravelKm: 20,
  skills: ['boat'],
  languages: [],
  resources: ['van'],
  availability: [{ from: '2026-11-27T06:00:00Z', to: '2026-11-27T20:00:00Z' }],
  maxHoursPerDay: 6,
  paused: false,
  adultConfirmed: true,
  locale: 'de',
  consentVersion: '2026-01',
  consentPurposes: ['coordination'],
  consentedAt: new Date(),
  tokenHash: 'f'.repeat(64),
  createdAt: new Date(),
  updatedAt: new Date(),
  erasedAt: null,
};

test('the matching projection carries no name, contact, exact location, consent or token', (t) => {
  const text = JSON.stringify(profileOf(helper, ['flood']));
  for (const secret of ['Anna', '+4915112345678', 'anna@example.org', '01067', '51.050412', '13.737262', 'f'.repeat(64), '2026-01']) {
    t.false(text.includes(secret), secret);
  }
  t.like(profileOf(helper, ['flood']), { helperId: helper.id, skills: ['boat'], area: { postalArea: '010', latitude: 51.05, longitude: 13.74 } });
});

test('coarse location: coordinates to 0.01°, postal code to its first 3 digits', (t) => {
  t.is(coarse(51.050412), 51.05);
  t.is(coarse(-0.006), -0.01);
  t.is(coarse(null), null);
  t.is(postalAreaOf('80331'), '803');
  t.is(postalAreaOf(null), null);
});
