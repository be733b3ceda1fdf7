import test from 'ava';
import { cleanText, jsonDepthExceeds, maxJsonDepth } from '../src/validation.js';
import { ValidationError } from '../src/errors.js';

test('the depth scan counts brackets outside strings only, and stops at the limit', (t) => {
  t.false(jsonDepthExceeds('{"a":[[1]]}', 3));
  t.true(jsonDepthExceeds('{"a":[[[1]]]}', 3));
  t.false(jsonDepthExceeds(`{"a":"${'['.repeat(100)}"}`, 2), 'brackets inside a string');
  t.false(jsonDepthExceeds(`{"a":"\\"${'['.repeat(100)}"}`, 2), 'after an escaped quote the string goes on');
  t.true(jsonDepthExceeds('['.repeat(1_000_000), maxJsonDepth), 'a million brackets: no stack involved');
});

test('cleanText normalises every string to NFC in place, however deep, without recursion', (t) => {
  let deep: unknown = 'Mu\u0308ller';
  for (let i = 0; i < 100_000; i += 1) deep = [deep];
  const body = { name: 'Jo\u0308rg', list: ['a\u030a'], deep };
  cleanText(body, 'body');
  t.is(body.name, 'J\u00f6rg');
  t.deepEqual(body.list, ['\u00e5']);
  let inner: unknown = body.deep;
  while (Array.isArray(inner)) inner = inner[0];
  t.is(inner, 'M\u00fcller');
});

test('cleanText names the fields with U+0000 or a lone surrogate, in keys as well', (t) => {
  const error = t.throws(() => cleanText({ a: 'x\u0000', b: [{ c: 'y\ud800' }], ['k\u0000']: 1 }, 'body'), { instanceOf: ValidationError });
  t.deepEqual(error?.errors.map((e) => e.field).sort(), ['body', 'body.a', 'body.b.0.c']);
});

test('a JSON key "__proto__" stays an own property when its value is normalised', (t) => {
  const body = JSON.parse('{"__proto__":"a\\u030a"}') as Record<string, unknown>;
  cleanText(body, 'body');
  t.is(Object.getPrototypeOf(body), Object.prototype);
  t.is(Object.getOwnPropertyDescriptor(body, '__proto__')?.value, '\u00e5');
});
