/**
 * A problem document's field errors in words for people, keyed by their stable code
 * `<field name>.<kind>` (services/common/src/validation.ts `fieldProblems`; kinds from zod's issue
 * or a refinement's own, e.g. `email.invalid`, `skills.too_small`, `to.before_from`), never by the
 * English message: a reworded server text cannot break the German page. A code without its own
 * text gets its kind's text; a kind this table does not know gets a plain German request to check
 * the field, and in English the server's own message (the API speaks English).
 * Pure (no DOM), so a unit test checks it against every code the services' schemas can produce.
 */
export type Lang = 'de' | 'en';

export interface CodedProblem {
  code?: string;
  message: string;
}

const dateTime = { de: 'Bitte Datum und Uhrzeit angeben.', en: 'Please give a date and time.' };

/** Texts of single codes, where the field says more than the kind. */
export const codeTexts: Record<Lang, Record<string, string>> = {
  de: {
    'phone.invalid': 'Keine gültige Telefonnummer.',
    'email.invalid': 'Keine gültige E-Mail-Adresse.',
    'contact.invalid': 'Bitte Telefon oder E-Mail angeben.',
    'location.invalid': 'Bitte die Postleitzahl angeben.',
    'postalCode.invalid': 'Eine Postleitzahl hat 5 Ziffern.',
    'incidentId.invalid': 'Der Einsatz heißt wie im Aufruf: Kleinbuchstaben, Ziffern und Bindestriche (z. B. „hochwasser-ahr“).',
    'adultConfirmed.invalid': 'Helfen können nur Volljährige. Bitte bestätigen Sie, dass Sie mindestens 18 sind.',
    'purposes.coordination_required': 'Ohne diese Einwilligung können wir Sie nicht einplanen.',
    'purposes.needs_later_text': 'Dafür gilt ein neuerer Einwilligungstext. Bitte laden Sie die Seite neu.',
    'skills.too_small': 'Bitte mindestens eine Fähigkeit wählen.',
    'availability.too_small': 'Bitte mindestens einen Zeitraum angeben.',
    'to.too_long': 'Ein Zeitraum ist höchstens 14 Tage lang.',
    'from.invalid': dateTime.de,
    'to.invalid': dateTime.de,
    'languages.invalid': 'Bitte Sprachkürzel wie „de“ oder „uk“ angeben.',
    'languages.needed_for_interpreting': 'Zum Dolmetschen bitte mindestens eine Sprache angeben.',
    'shiftStart.invalid': dateTime.de,
    'shiftEnd.invalid': dateTime.de,
    'shiftEnd.too_long': 'Eine Schicht dauert höchstens 24 Stunden.',
    'siteId.not_found': 'Diese Einsatzstelle gibt es nicht (mehr). Bitte laden Sie die Seite neu.',
    'siteId.other_incident': 'Diese Einsatzstelle gehört zu einem anderen Einsatz.',
    'version.missing': 'Der gelesene Stand fehlt. Bitte laden Sie die Seite neu.',
    'version.mismatch': 'Der gelesene Stand passt nicht. Bitte laden Sie die Seite neu.',
    'If-Match.invalid': 'Der gelesene Stand passt nicht. Bitte laden Sie die Seite neu.',
    'code.unknown': 'Dieser Check-in-Code gilt hier nicht. Bitte prüfen Sie ihn.',
  },
  en: {
    'phone.invalid': 'Not a valid phone number.',
    'email.invalid': 'Not a valid e-mail address.',
    'contact.invalid': 'Please give a phone number or an e-mail address.',
    'location.invalid': 'Please give your postal code.',
    'postalCode.invalid': 'A German postal code has 5 digits.',
    'incidentId.invalid': 'The incident is named as in the appeal: lower-case letters, digits and hyphens (e.g. "hochwasser-ahr").',
    'adultConfirmed.invalid': 'Only adults can help. Please confirm that you are 18 or older.',
    'purposes.coordination_required': 'Without this consent we cannot plan you in.',
    'purposes.needs_later_text': 'This needs a newer consent text. Please reload the page.',
    'skills.too_small': 'Please choose at least one skill.',
    'availability.too_small': 'Please give at least one period.',
    'to.too_long': 'A period is at most 14 days.',
    'from.invalid': dateTime.en,
    'to.invalid': dateTime.en,
    'languages.invalid': 'Please give language codes like "de" or "uk".',
    'languages.needed_for_interpreting': 'Interpreting needs at least one language.',
    'shiftStart.invalid': dateTime.en,
    'shiftEnd.invalid': dateTime.en,
    'shiftEnd.too_long': 'A shift is at most 24 hours.',
    'siteId.not_found': 'This site does not exist (any more). Please reload the page.',
    'siteId.other_incident': 'This site belongs to another incident.',
    'version.missing': 'The version you read is missing. Please reload the page.',
    'version.mismatch': 'The version you read does not match. Please reload the page.',
    'If-Match.invalid': 'The version you read does not match. Please reload the page.',
    'code.unknown': 'This check-in code is not valid here. Please check it.',
  },
};

/** Texts of kinds, for every field that has no text of its own. */
export const kindTexts: Record<Lang, Record<string, string>> = {
  de: {
    invalid_type: 'Bitte ausfüllen.',
    too_small: 'Der Wert ist zu klein oder fehlt.',
    too_big: 'Der Wert ist zu groß oder zu lang.',
    invalid: 'Bitte prüfen Sie diese Angabe.',
    unknown_field: 'Diese Angabe nimmt der Dienst nicht an. Bitte laden Sie die Seite neu.',
    repeated: 'Bitte jeden Eintrag nur einmal angeben.',
    no_change: 'Bitte mindestens eine Angabe ändern.',
    before_from: '„Bis“ muss nach „Von“ liegen.',
    before_start: 'Die Schicht muss nach ihrem Beginn enden.',
    too_long: 'Der Zeitraum ist zu lang.',
    range_too_long: 'Höchstens 31 Tage auf einmal.',
  },
  en: {
    invalid_type: 'Please fill this in.',
    too_small: 'The value is too small or missing.',
    too_big: 'The value is too large or too long.',
    invalid: 'Please check this.',
    unknown_field: 'The service does not take this. Please reload the page.',
    repeated: 'Please give each entry once.',
    no_change: 'Please change at least one field.',
    before_from: '"To" must be after "from".',
    before_start: 'The shift must end after it starts.',
    too_long: 'The period is too long.',
    range_too_long: 'At most 31 days at once.',
  },
};

/** For a code no text and no kind text covers: never the English server text on a German page. */
export const unknownCodeDe = 'Diese Angabe ist so nicht möglich. Bitte prüfen Sie sie.';

/** The text of `code` in `lang` (its own, else its kind's), or undefined when neither exists. */
export function textOf(code: string, lang: Lang): string | undefined {
  const own = codeTexts[lang][code];
  if (own !== undefined) return own;
  return kindTexts[lang][code.slice(code.indexOf('.') + 1)];
}

/** A field error for people: by its code; without a known code, German gets a plain request to check, English the server's message. */
export function fieldMessage(problem: CodedProblem, lang: Lang): string {
  const text = problem.code === undefined ? undefined : textOf(problem.code, lang);
  return text ?? (lang === 'de' ? unknownCodeDe : problem.message);
}
