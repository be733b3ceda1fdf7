import test from 'ava';
import { group, version } from '../src/api/annotations.js';
import { create, createNamespace, custom, deleteNamespace, disasterEvent, installCrds, patchSpec, surgePlan } from './support.js';

let namespace = '';
test.before(async () => {
  await installCrds();
  namespace = await createNamespace('crd-validation');
});
test.after.always(async () => deleteNamespace(namespace));

/** The API server's refusal as a person reads it (what kubectl prints). */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    const body = (error as { body?: string }).body ?? '';
    return (JSON.parse(body) as { message: string }).message;
  }
  throw new Error('the API server accepted an invalid object');
}

const badEvents: Array<[string, Record<string, unknown>, RegExp]> = [
  ['an unknown incident type', { type: 'tsunami' }, /spec\.type: Unsupported value: "tsunami": supported values: "flood", "storm"/],
  ['severity 0', { severity: 0 }, /spec\.severity: Invalid value: 0: spec\.severity in body should be greater than or equal to 1/],
  ['severity 5', { severity: 5 }, /spec\.severity in body should be less than or equal to 4/],
  ['an empty title', { title: '' }, /spec\.title in body should be at least 1 chars long/],
  ['a latitude beyond the pole', { region: { name: 'Ahr', lat: 91, lon: 7 } }, /spec\.region\.lat in body should be less than or equal to 90/],
  ['a longitude out of range', { region: { name: 'Ahr', lat: 50, lon: 181 } }, /spec\.region\.lon in body should be less than or equal to 180/],
  ['a latitude without a longitude', { region: { name: 'Ahr', lat: 50 } }, /spec\.region\.lat: Invalid value: .*region\.lat and region\.lon must be given together/],
  ['a radius without a centre', { region: { name: 'Ahr', radiusKm: 5 } }, /region\.radiusKm needs a centre/],
  ['a window ending before it starts', { window: { start: '2026-07-15T00:00:00Z', end: '2026-07-14T00:00:00Z' } }, /spec\.window\.end: Invalid value: .*window\.end must be after window\.start/],
  ['a window start that is not a time', { window: { start: 'tomorrow' } }, /spec\.window\.start in body must be of type date-time/],
  ['negative expected helpers', { expectedHelpers: -1 }, /spec\.expectedHelpers in body should be greater than or equal to 0/],
  ['an unknown state', { state: 'Paused' }, /spec\.state: Unsupported value: "Paused": supported values: "Active", "Ended"/],
];

for (const [what, spec, message] of badEvents) {
  test(`a DisasterEvent with ${what} is refused with a clear message`, async (t) => {
    const event = disasterEvent(`bad-${badEvents.findIndex((b) => b[0] === what)}`, spec);
    t.regex(await refusal(create(namespace, event)), message);
  });
}

test('a DisasterEvent without a severity is refused, naming the field', async (t) => {
  const body = { apiVersion: `${group}/${version}`, kind: 'DisasterEvent', metadata: { name: 'no-severity' }, spec: { title: 'x', type: 'storm' } };
  t.regex(await refusal(custom.createNamespacedCustomObject({ group, version, namespace, plural: 'disasterevents', body })), /spec\.severity: Required value/);
});

test('an Ended DisasterEvent cannot be reactivated, and its type cannot change', async (t) => {
  await create(namespace, disasterEvent('record', { state: 'Ended' }));
  t.regex(await refusal(patchSpec(namespace, 'disasterevents', 'record', { spec: { state: 'Active' } })), /spec\.state: Invalid value: .*stays ended as the record of the incident/);
  t.regex(await refusal(patchSpec(namespace, 'disasterevents', 'record', { spec: { type: 'storm' } })), /spec\.type: Invalid value: .*cannot be changed once declared/);
});

test('the kubectl-ready sample DisasterEvent is accepted and defaults state to Active', async (t) => {
  await create(namespace, disasterEvent('valid', { region: { name: 'Landkreis Ahrweiler', lat: 50.54, lon: 7.11, radiusKm: 25 }, expectedHelpers: 5000 }));
  const stored = (await custom.getNamespacedCustomObject({ group, version, namespace, plural: 'disasterevents', name: 'valid' })) as { spec: { state: string } };
  t.is(stored.spec.state, 'Active');
});

const badPlans: Array<[string, Record<string, unknown>, RegExp]> = [
  ['surge replicas that decrease with severity', { surgeReplicas: { severity1: 4, severity2: 3, severity3: 5, severity4: 6 } }, /surgeReplicas must not decrease with severity/],
  ['surge below standby', { standbyReplicas: 3, surgeReplicas: { severity1: 2, severity2: 3, severity3: 5, severity4: 6 } }, /spec\.surgeReplicas\.severity1: Invalid value: .*must be at least standbyReplicas/],
  ['maxReplicas below the severity-4 surge', { maxReplicas: 4 }, /spec\.maxReplicas: Invalid value: .*maxReplicas must be at least surgeReplicas\.severity4/],
  ['a negative standby', { standbyReplicas: -1 }, /spec\.standbyReplicas in body should be greater than or equal to 0/],
  ['a target that is not a Deployment', { targetRef: { kind: 'StatefulSet', name: 'x' } }, /spec\.targetRef\.kind: Unsupported value: "StatefulSet": supported values: "Deployment"/],
  ['a zero step size', { scaleDown: { stepReplicas: 0 } }, /spec\.scaleDown\.stepReplicas in body should be greater than or equal to 1/],
  ['helpersPerReplica of zero', { helpersPerReplica: 0 }, /spec\.helpersPerReplica in body should be greater than or equal to 1/],
];

for (const [what, spec, message] of badPlans) {
  test(`a SurgePlan with ${what} is refused with a clear message`, async (t) => {
    const plan = surgePlan(`bad-plan-${badPlans.findIndex((b) => b[0] === what)}`, spec);
    t.regex(await refusal(create(namespace, plan)), message);
  });
}
