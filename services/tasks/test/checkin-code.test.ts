import test from 'ava';
import { checkinCode, formatCode, maxCodeRef, parseCode, qrPayload, verifyCode } from '../src/checkin-code.js';

const secret = 'unit-test-secret-0123456789-0123456789';
const binding = { ref: 4711, assignmentId: '5f0c1e9e-8a54-4a8a-9d8b-2f1c6f4e2a11', siteId: 'b3c1c2f0-0d6a-4c43-9d7b-0a3b6a1c9e22', expiresAt: new Date('2026-11-27T20:00:00Z') };

test('a code is 12 characters of Crockford base32 and verifies for its own binding', (t) => {
  const code = checkinCode(secret, binding);
  t.regex(code, /^[0-9A-HJKMNP-TV-Z]{12}$/);
  const parsed = parseCode(code);
  t.truthy(parsed);
  t.is(parsed?.ref, 4711);
  t.true(verifyCode(secret, parsed!, binding));
});

test('typed or scanned forms read the same: dashes, lower case, O for 0, I and L for 1, the QR prefix', (t) => {
  const code = checkinCode(secret, binding);
  const typed = formatCode(code).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
  t.deepEqual(parseCode(typed), parseCode(code));
  t.deepEqual(parseCode(qrPayload(code)), parseCode(code));
  t.is(parseCode('ABC'), undefined);
  t.is(parseCode('UUUUUUUUUUUU'), undefined, 'U is not in the alphabet');
});

test('a code does not verify for another site, another expiry, another assignment or another secret', (t) => {
  const parsed = parseCode(checkinCode(secret, binding))!;
  t.false(verifyCode(secret, parsed, { ...binding, siteId: '00000000-0000-4000-8000-000000000000' }));
  t.false(verifyCode(secret, parsed, { ...binding, expiresAt: new Date('2026-11-27T21:00:00Z') }));
  t.false(verifyCode(secret, parsed, { ...binding, assignmentId: '00000000-0000-4000-8000-000000000001' }));
  t.false(verifyCode('another-secret-0123456789-0123456789', parsed, binding));
  t.false(verifyCode(secret, parsed, { ...binding, ref: 4712 }));
});

test('the reference range is bounded so a code stays 12 characters', (t) => {
  t.is(checkinCode(secret, { ...binding, ref: maxCodeRef }).length, 12);
  t.throws(() => checkinCode(secret, { ...binding, ref: maxCodeRef + 1 }), { instanceOf: RangeError });
});
