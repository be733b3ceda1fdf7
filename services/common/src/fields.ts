/**
 * Field schemas every service shares, so that one rule holds for each kind of value: timestamps
 * PostgreSQL can hold, text with something visible in it, opaque page cursors. Strings arrive
 * NFC-normalised and free of U+0000 (validation.ts `cleanText`); these schemas validate the rest.
 */
import { z } from 'zod';

// One rule for instants across APIs and events: declared with the event contracts, used here too.
export { earliestInstantMs, latestInstantMs, timestamp } from '@kathelfer/contracts/vocabulary';

/** At least one letter, digit, punctuation or symbol: not only spaces, marks, controls or invisible format characters. */
const visible = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Free text a person reads: trimmed, 1 to `max` UTF-16 units, with at least one visible character
 * (a name of zero-width spaces, U+3164 Hangul fillers or lone combining marks is refused).
 * `singleLine` also collapses inner whitespace runs to one space, for names and titles, so that
 * "Anna  Beispiel" and "Anna Beispiel" are stored alike.
 */
export function visibleText(max: number, options: { singleLine?: boolean } = {}) {
  const normalised = options.singleLine === true ? z.string().transform((s) => s.replace(/\s+/gu, ' ')) : z.string();
  return normalised.pipe(
    z
      .string()
      .trim()
      .min(1)
      .max(max)
      .refine((s) => visible.test(s.replace(/[\u3164\u115f\u1160\uffa0]/gu, '')), { message: 'must contain a visible character' }),
  );
}

/** Marks a zod issue as "could not be decoded": `parseWith` answers it with 400, not 422. */
export const malformed = { malformed: true } as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Encodes keyset values (e.g. priority, start in ms, id of the last row) as an opaque page cursor: base64url JSON. */
export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/**
 * The schema of a cursor made by `encodeCursor`: decodes it and validates the values with `values`
 * (a tuple schema); anything else — not base64url, not JSON, values out of range — is a 400.
 */
export function cursor<S extends z.ZodType>(values: S) {
  return z
    .string()
    .transform((text, ctx): z.output<S> => {
      let decoded: unknown;
      try {
        // Node's base64url decoder skips characters outside the alphabet: check them first.
        if (text.length <= 512 && /^[A-Za-z0-9_-]+$/.test(text)) decoded = JSON.parse(utf8.decode(Buffer.from(text, 'base64url'))) as unknown;
      } catch {
        decoded = undefined;
      }
      const result = values.safeParse(decoded);
      if (!result.success) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page', params: malformed });
        return z.NEVER;
      }
      return result.data;
    })
    .meta({ description: 'nextCursor of the previous page, as given (opaque base64url)', pattern: '^[A-Za-z0-9_-]{1,512}$' });
}
