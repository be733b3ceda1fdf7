import { isIP } from 'node:net';

/**
 * Which Web Push endpoints registration will POST to (RFC 8030 section 5). A push endpoint comes
 * from the volunteer's browser, so it is input that makes the server send requests: in production
 * an endpoint on loopback or on an IP literal of a private, link-local or unique-local range is
 * refused, so a volunteer cannot make registration reach its own ports or the cluster's network.
 * Outside production loopback stays allowed, for the push service the tests run on 127.0.0.1.
 * A DNS name that resolves to such an address is not caught here (that needs an egress policy).
 *
 * @param endpoint an absolute URL (the subscription schema has checked https, or http on loopback)
 * @param production `KATHELFER_ENVIRONMENT=production`
 * @returns undefined when allowed, else the reason in words (for the problem document)
 */
export function refusedPushEndpoint(endpoint: string, production: boolean): string | undefined {
  if (!production) return undefined;
  const url = new URL(endpoint);
  if (url.protocol !== 'https:') return 'a push endpoint is https';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'a push endpoint is a public push service, not this machine';
  if (isIP(host) !== 0 && internalAddress(host)) return 'a push endpoint is a public push service, not an internal address';
  return undefined;
}

/** Loopback, private (RFC 1918), link-local, CGNAT (RFC 6598), unspecified, IPv6 unique-local (RFC 4193) and mapped forms. */
function internalAddress(ip: string): boolean {
  if (ip.includes(':')) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    if (mapped?.[1] !== undefined) return internalAddress(mapped[1]);
    // the URL parser writes an IPv4-mapped address in hex: [::ffff:127.0.0.1] → [::ffff:7f00:1]
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
    if (hex?.[1] !== undefined && hex[2] !== undefined) {
      const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
      return internalAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return ip === '::1' || ip === '::' || /^f[cd]/.test(ip) || /^fe[89ab]/.test(ip);
  }
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}
