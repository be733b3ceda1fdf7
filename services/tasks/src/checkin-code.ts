/**
 * Check-in codes: what a helper shows at the site (typed or as a QR code) and the site lead scans.
 * 12 characters of Crockford base32 (no I, L, O, U: nothing to confuse when typed): 5 name the
 * assignment (its `code_ref`, so the lookup needs no scan), 7 are an HMAC over the assignment, the
 * site and the expiry. A code for another site, a moved shift or a forged reference does not verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const refLength = 5;
const macLength = 7;
/** The largest assignment reference a code can carry (32^5 − 1, about 33 million). */
export const maxCodeRef = 32 ** refLength - 1;

export interface CodeBinding {
  ref: number;
  assignmentId: string;
  siteId: string;
  expiresAt: Date;
}

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = (alphabet[Number(value & 31n)] ?? '0') + out;
    value >>= 5n;
  }
  return out;
}

function mac(secret: string, binding: CodeBinding): string {
  const digest = createHmac('sha256', secret)
    .update(`${binding.ref}|${binding.assignmentId}|${binding.siteId}|${Math.floor(binding.expiresAt.getTime() / 1000)}`)
    .digest();
  return encode(digest.readBigUInt64BE(0) >> BigInt(64 - 5 * macLength), macLength);
}

export function checkinCode(secret: string, binding: CodeBinding): string {
  if (!Number.isInteger(binding.ref) || binding.ref < 0 || binding.ref > maxCodeRef) throw new RangeError(`code ref out of range: ${binding.ref}`);
  return encode(BigInt(binding.ref), refLength) + mac(secret, binding);
}

/** For people: `ABCD-EFGH-JKMN`. */
export function formatCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** What a QR code carries. */
export function qrPayload(code: string): string {
  return `kathelfer:checkin:${code}`;
}

export interface ParsedCode {
  ref: number;
  code: string;
}

/**
 * Reads a typed or scanned code: case, dashes, spaces and the QR prefix do not matter, and the
 * letters people mistake for digits are read as those digits. Undefined when it cannot be a code.
 */
export function parseCode(input: string): ParsedCode | undefined {
  const code = input
    .trim()
    .replace(/^kathelfer:checkin:/i, '')
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length !== refLength + macLength) return undefined;
  let ref = 0;
  for (const char of code) {
    if (!alphabet.includes(char)) return undefined;
  }
  for (const char of code.slice(0, refLength)) ref = ref * 32 + alphabet.indexOf(char);
  return { ref, code };
}

/** Constant-time check that `parsed` is the code for `binding`. */
export function verifyCode(secret: string, parsed: ParsedCode, binding: CodeBinding): boolean {
  if (parsed.ref !== binding.ref) return false;
  const expected = Buffer.from(checkinCode(secret, binding));
  const given = Buffer.from(parsed.code);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
