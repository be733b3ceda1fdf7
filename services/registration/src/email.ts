/**
 * E-mail addresses as the registration keeps them: one canonical spelling per mailbox, so the
 * duplicate check sees one person however the address was typed.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * The canonical form of `address` (already trimmed and NFC): the domain in its ASCII form (IDNA
 * 2008 / UTS #46 via WHATWG URL's `domainToASCII`, so `bäckerei-müller-beispiel.de` becomes
 * `xn--…`) and the whole address lower-cased. A domain IDNA refuses becomes empty, which the
 * address pattern then refuses. Local parts are compared lower-cased: RFC 5321 lets them be
 * case-sensitive, no mailbox provider we know of does.
 */
export function canonicalEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  return `${address.slice(0, at).toLowerCase()}@${domainToASCII(address.slice(at + 1))}`;
}

/** How a canonical address is shown to people: the domain in Unicode again (`info@bäckerei-müller-beispiel.de`). */
export function emailForDisplay(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = domainToUnicode(address.slice(at + 1));
  return `${address.slice(0, at)}@${domain === '' ? address.slice(at + 1) : domain}`;
}

/**
 * A canonical address: an ASCII local part of dot-separated atoms (RFC 5322 without quoted
 * strings) and a domain of LDH labels whose top level is letters or an IDN (`xn--p1ai`).
 */
export const canonicalEmailPattern =
  /^(?!\.)(?!.*\.\.)[a-z0-9_'+\-.]*[a-z0-9_+-]@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
