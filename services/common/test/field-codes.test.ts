import test from 'ava';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { parseWith } from '../src/validation.js';
import { fieldCodesOf } from './support/field-codes.js';

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

test('the codes read from a schema include every code parsing with it produces', (t) => {
  const schema = z
    .strictObject({
      name: z.string().trim().min(1).max(5),
      count: z.number().int().min(1).max(9),
      when: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }).refine(() => false, { path: ['to'], params: { code: 'before_from' } }),
      tags: z.array(z.enum(['a', 'b'])).min(1).refine(() => false, { params: { code: 'repeated' } }),
      phone: z.string().transform((value, ctx) => {
        ctx.addIssue({ code: 'custom', message: 'not a phone number' });
        return value;
      }),
      adult: z.literal(true),
    })
    .refine(() => false, { message: 'change something' });
  const derived = fieldCodesOf(schema);
  const bad: unknown[] = [
    {},
    { name: '', count: 1.5, when: { from: 'x', to: 'y', z: 1 }, tags: [], phone: '1', adult: false, extra: 1 },
    { name: 'toolong', count: 10, when: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, tags: ['c'], phone: 'x', adult: true },
    { name: 'ok', count: 0, when: null, tags: ['a'], phone: 2, adult: 'yes' },
  ];
  const produced = new Set<string>();
  for (const value of bad) {
    const error = t.throws(() => parseWith(schema, value, 'body'), { instanceOf: ValidationError });
    for (const e of error?.toProblem().errors as Array<{ code: string }>) produced.add(e.code);
  }
  t.true(produced.size >= 12, `the inputs exercise the kinds (${[...produced].join(', ')})`);
  t.deepEqual([...produced].filter((code) => !derived.has(code)), []);
  t.true(derived.has('to.before_from') && derived.has('tags.repeated') && derived.has('body.invalid') && derived.has('body.unknown_field'));
});
