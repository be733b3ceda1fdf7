import { ValidationError } from '@kathelfer/common/errors';
import { fieldCodesOf } from '@kathelfer/common/testing/field-codes';
import { parseWith } from '@kathelfer/common/validation';
import { runBody } from '@kathelfer/matching/schemas';
import { joinIncidentBody, registrationBody, selfServicePatch } from '@kathelfer/registration/schemas';
import { codeBody, domainProblems, siteBody, sitePatch, taskBody, taskPatch } from '@kathelfer/tasks/schemas';
import test from 'ava';
import { codeTexts, fieldMessage, kindTexts, textOf, unknownCodeDe } from '../src/field-problems.js';

/** Every code the APIs behind the pages' forms can send: read from their request schemas, plus the ones the task service throws after parsing. */
const formCodes = new Set([
  ...[registrationBody, selfServicePatch, joinIncidentBody, siteBody, sitePatch, taskBody, taskPatch, codeBody, runBody].flatMap((schema) => [...fieldCodesOf(schema)]),
  ...Object.values(domainProblems).map((problem) => problem.code),
]);

test('every field-error code the forms can get has a German and an English text', (t) => {
  t.true(formCodes.size > 100, `the schemas were read (${formCodes.size} codes)`);
  t.deepEqual([...formCodes].filter((code) => textOf(code, 'de') === undefined), [], 'codes without a German text');
  t.deepEqual([...formCodes].filter((code) => textOf(code, 'en') === undefined), [], 'codes without an English text');
});

test('the texts are for codes the services send, in both languages alike', (t) => {
  t.deepEqual(Object.keys(codeTexts.de).filter((code) => !formCodes.has(code)), [], 'a text for a code no form can get (renamed field or kind?)');
  t.deepEqual(Object.keys(codeTexts.en).sort(), Object.keys(codeTexts.de).sort());
  t.deepEqual(Object.keys(kindTexts.en).sort(), Object.keys(kindTexts.de).sort());
});

test('a field error from the real schema is shown by its code, whatever its English message says', (t) => {
  const error = t.throws(
    () => parseWith(registrationBody, { name: 'Ben', contact: { phone: '12' }, location: { postalCode: '1234' }, maxTravelKm: 10, skills: [], availability: [], maxHoursPerDay: 8, adultConfirmed: false, consent: { version: '2026-01', purposes: [] } }, 'body'),
    { instanceOf: ValidationError },
  );
  const byField = Object.fromEntries((error?.toProblem().errors as Array<{ field: string; code: string; message: string }>).map((e) => [e.field, fieldMessage({ ...e, message: 'reworded in English' }, 'de')]));
  t.like(byField, {
    'body.contact.phone': 'Keine gültige Telefonnummer.',
    'body.location.postalCode': 'Eine Postleitzahl hat 5 Ziffern.',
    'body.skills': 'Bitte mindestens eine Fähigkeit wählen.',
    'body.availability': 'Bitte mindestens einen Zeitraum angeben.',
    'body.adultConfirmed': 'Helfen können nur Volljährige. Bitte bestätigen Sie, dass Sie mindestens 18 sind.',
    'body.consent.purposes': 'Ohne diese Einwilligung können wir Sie nicht einplanen.',
  });
});

test('a code with a known kind gets the kind text; an unknown one a German request to check, never English, on a German page', (t) => {
  t.is(fieldMessage({ code: 'meetingPoint.too_big', message: 'Too big: expected string to have <=500 characters' }, 'de'), 'Der Wert ist zu groß oder zu lang.');
  t.is(fieldMessage({ code: 'name.frobnicated', message: 'frobnicated' }, 'de'), unknownCodeDe);
  t.is(fieldMessage({ message: 'a problem from an older service without codes' }, 'de'), unknownCodeDe);
  t.is(fieldMessage({ code: 'name.frobnicated', message: 'frobnicated' }, 'en'), 'frobnicated', 'English pages may show the API’s English');
});
