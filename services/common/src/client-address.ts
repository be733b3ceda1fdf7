/**
 * The client's address behind the reverse proxies in front of a service (the Ingress controller,
 * a cloud load balancer). X-Forwarded-For is read only as far as the proxies that are trusted
 * wrote it: from the socket's peer backwards, each hop is believed only while the address that
 * told it is a trusted proxy. A header a client sends straight to the service, or puts in front of
 * what a trusted proxy appends, moves nothing. The algorithm is Express's (`proxy-addr`).
 */
import type { Middleware } from 'koa';
import proxyaddr from 'proxy-addr';

/** Who may tell the client's address: the number of proxies in front, or their addresses/CIDRs. */
export type TrustedProxies = { hops: number } | { addresses: string[] };

/**
 * Parses `TRUSTED_PROXIES`: empty → undefined (trust no header); a number → that many proxy hops
 * in front (`1`: the Ingress controller, which network policies make the only way in); otherwise
 * comma-separated IPv4/IPv6 addresses or CIDRs (`10.0.0.0/8, fd00::/8`). Throws a TypeError naming
 * a bad entry.
 */
export function parseTrustedProxies(value: string): TrustedProxies | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === '0') return undefined;
  if (/^\d+$/.test(trimmed)) return { hops: Number(trimmed) };
  const addresses = trimmed.split(',').map((a) => a.trim()).filter((a) => a !== '');
  proxyaddr.compile(addresses); // throws on an entry that is no address or CIDR
  return { addresses };
}

/** Sets `ctx.ip` (and so every limit keyed by it) to the client's address as `trusted` allows. */
export function clientAddress(trusted: TrustedProxies | undefined): Middleware {
  const trust: (address: string, hop: number) => boolean =
    trusted === undefined ? () => false : 'hops' in trusted ? (_address, hop) => hop < trusted.hops : proxyaddr.compile(trusted.addresses);
  return async function clientAddressMiddleware(ctx, next) {
    ctx.request.ip = proxyaddr(ctx.req, trust);
    await next();
  };
}
