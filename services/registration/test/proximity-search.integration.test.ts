import test from 'ava';
import { signToken } from '@kathelfer/common/testing/http';
import { postJson, startRegistration, validBody, type Running } from './support/registration.js';

let svc: Running;

test.before(async () => {
  svc = await startRegistration();
});
test.after.always(async () => {
  await svc.close();
});

interface Listed {
  helperId: string;
  area: { postalArea: string | null; latitude: number | null; longitude: number | null };
}

test("a volunteer who gave only a postal code is found by a proximity search around its centroid, where the list shows them", async (t) => {
  const incidentId = `near-${Date.now()}`;
  // GIVEN a volunteer in Dresden with a postal code and no coordinates, and one in Munich
  const dresden = await postJson(`${svc.url}/v1/helpers`, validBody({ incidentId, location: { postalCode: '01067' } }));
  t.is(dresden.status, 201);
  const { id } = (await dresden.json()) as { id: string };
  t.is((await postJson(`${svc.url}/v1/helpers`, validBody({ incidentId, location: { postalCode: '80331' } }))).status, 201);
  const coordinator = { authorization: `Bearer ${await signToken(['coordinator'])}` };
  const list = async (query: string) => ((await (await fetch(`${svc.url}/v1/helpers?incidentId=${incidentId}${query}`, { headers: coordinator })).json()) as { items: Listed[] }).items;

  const shown = (await list('')).find((h) => h.helperId === id);
  t.truthy(shown?.area.latitude, 'the list places them at the centroid');
  // WHEN a coordinator searches 25 km around Dresden's centre
  const near = await list('&near=51.05,13.74&radiusKm=25');
  // THEN the same location answers the search: the Dresden volunteer, not the one in Munich
  t.deepEqual(near.map((h) => h.helperId), [id]);
  t.deepEqual(near[0]?.area, shown?.area);
});
