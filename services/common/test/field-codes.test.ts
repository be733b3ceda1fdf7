import test from 'ava';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { parseWith } from '../src/validation.js';

const body = z.strictObject({
  contact: z.strictObject({ email: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'not a valid e-mail address') }),
  skills: z.array(z.string()).min(1),
  availability: z.array(z.strictObject({ to: z.iso.datetime() })),
  version: z.number(),
});

test('each field error of a problem document carries a stable code: field name and kind, never the English text', (t) => {
  const error = t.throws(() => parseWith(body, { contact: { email: 'nope' }, skills: [], availability: [{ to: 'soon' }], extra: 1 }, 'body'), {
    instanceOf: ValidationError,
  });
  const codes = Object.fromEntries((error?.toProblem().errors as Array<{ field: string; code: string }>).map((e) => [e.field, e.code]));
  t.like(codes, {
    'body.contact.email': 'email.invalid',
    'body.skills': 'skills.too_small',
    'body.availability.0.to': 'to.invalid',
    'body.version': 'version.invalid_type',
    'body.(root)': 'body.unknown_field',
  });
});

test('a field error thrown by hand gets a code too, its own or <field name>.invalid', (t) => {
  const problem = new ValidationError([
    { field: 'header.If-Match', message: 'an ETag of this resource' },
    { field: 'body.version', message: 'differs from If-Match', code: 'version.mismatch' },
  ]).toProblem();
  t.deepEqual((problem.errors as Array<{ code: string }>).map((e) => e.code), ['If-Match.invalid', 'version.mismatch']);
});
