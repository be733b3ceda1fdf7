/**
 * The web pages for helpers and coordinators (the `web` workspace, built into web/dist by
 * `npm run build`) are served by every service itself — no separate web server, no CDN. Each page
 * learns where the three APIs are from `/web-config.json`, which the serving service answers from
 * its PUBLIC_*_URL configuration (unset: the page's own origin, for an Ingress that routes paths).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

export interface PublicApiUrls {
  registration?: string;
  tasks?: string;
  matching?: string;
}

/** Staff sign-in on the pages: the OIDC provider's issuer (authority) and the pages' public client. */
export interface SignIn {
  authority: string;
  clientId: string;
}

/** What the pages read from /web-config.json: each API's base URL, '' for the page's own origin, and the sign-in (null: none configured). */
export interface WebConfig {
  registrationUrl: string;
  tasksUrl: string;
  matchingUrl: string;
  signIn: SignIn | null;
}

/** The pages' sign-in from the configuration: OIDC_AUTHORITY, else the issuer of a provider (JWT_JWKS_URL set). */
export function signInOf(config: { OIDC_AUTHORITY?: string | undefined; OIDC_WEB_CLIENT_ID?: string | undefined; JWT_JWKS_URL?: string | undefined; JWT_ISSUER?: string | undefined }): SignIn | undefined {
  const authority = config.OIDC_AUTHORITY ?? (config.JWT_JWKS_URL === undefined ? undefined : config.JWT_ISSUER);
  return authority === undefined ? undefined : { authority, clientId: config.OIDC_WEB_CLIENT_ID ?? 'kathelfer-web' };
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Short names for the pages, besides their file names. */
const aliases: Record<string, string> = { '/': '/index.html', '/me': '/me.html', '/coordinator': '/coordinator.html', '/site': '/site.html' };

/**
 * web/dist found upwards from this module: from services/common/src in a checkout, or from a
 * service's dist/ bundle in an image (the Dockerfile copies web/dist next to it). Undefined when
 * the pages were not built: the API works without them.
 */
export function findWebDist(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'web', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The files under `dir`, without dotfiles (build stamps); one that vanishes meanwhile is skipped. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => !name.split(sep).some((part) => part.startsWith('.')))
    .map((name) => join(dir, name))
    .filter((path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    });
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

const originOf = (url: string | undefined) => (url === undefined ? undefined : new URL(url).origin);
const withoutSlash = (url: string | undefined) => (url ?? '').replace(/\/+$/, '');

/**
 * Pages without inline scripts or styles, nothing from other hosts: scripts and styles only from
 * this origin, API calls only to this origin and the configured API origins, QR codes drawn on a
 * canvas. No framing (clickjacking of the delete button), no referrer (the self-service page's URL
 * carries the token in its fragment, which browsers never send, but nothing else leaks either).
 * Geolocation only for the page itself (helpers may share their location when registering).
 * Staff sign-in adds the provider's origin to connect-src only: oidc-client-ts fetches its discovery
 * document, token endpoint (code exchange, refresh) and userinfo; the login and logout pages are
 * top-level navigations to the provider, which no directive of ours governs, and renewal uses the
 * refresh token rather than a hidden iframe, so frame-src stays 'none'.
 */
export function contentSecurityPolicy(apiUrls: PublicApiUrls, signIn?: SignIn): string {
  const connect = new Set(["'self'"]);
  for (const url of [apiUrls.registration, apiUrls.tasks, apiUrls.matching, signIn?.authority]) {
    const origin = originOf(url);
    if (origin !== undefined) connect.add(origin);
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${[...connect].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

interface Asset {
  body: Buffer;
  type: string;
  cacheControl: string;
}

/**
 * Serves the built pages (read into memory once: a few hundred kilobytes) and /web-config.json on
 * GET and HEAD; everything else passes on to the API routes. Only files that exist at start-up are
 * served, so no request path ever reaches the file system. Vite names assets by content hash, so
 * they are cached for a year; pages and the config are revalidated on every load, so a new release
 * reaches browsers at once.
 */
export function webPages(options: { dir: string | undefined; apiUrls: PublicApiUrls; signIn?: SignIn | undefined }): Middleware {
  const assets = new Map<string, Asset>();
  if (options.dir !== undefined && existsSync(options.dir)) {
    for (const file of filesUnder(options.dir)) {
      const path = `/${relative(options.dir, file).split(sep).join('/')}`;
      const hashed = path.startsWith('/assets/');
      const body = readOrUndefined(file);
      if (body === undefined) continue;
      assets.set(path, {
        body,
        type: contentTypes[extname(file)] ?? 'application/octet-stream',
        cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
  }
  const config: WebConfig = {
    registrationUrl: withoutSlash(options.apiUrls.registration),
    tasksUrl: withoutSlash(options.apiUrls.tasks),
    matchingUrl: withoutSlash(options.apiUrls.matching),
    signIn: options.signIn ?? null,
  };
  assets.set('/web-config.json', { body: Buffer.from(JSON.stringify(config)), type: contentTypes['.json'] ?? '', cacheControl: 'no-cache' });
  const csp = contentSecurityPolicy(options.apiUrls, options.signIn);

  return async function webPagesMiddleware(ctx, next) {
    const asset = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(aliases[ctx.path] ?? ctx.path) : undefined;
    if (asset === undefined) {
      await next();
      return;
    }
    ctx.set('Cache-Control', asset.cacheControl);
    if (asset.type.startsWith('text/html')) {
      ctx.set('Content-Security-Policy', csp);
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(self)');
    }
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
}
