/**
 * The request-level bad inputs every service answers alike, because `services/common` reads its
 * requests (issue 13): bodies the parser must survive, charsets and bytes that are not UTF-8,
 * methods the router does not declare. Each service's validation test runs them on its own routes.
 */
import type { ExecutionContext } from 'ava';

export interface BadRequest {
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  status: number;
}

export interface BadRequestTarget {
  /** A route that takes a JSON body, with its method, e.g. POST /v1/helpers. */
  bodyRoute: { method: string; path: string };
  /** A body that route accepts, and a text field of it that gets a lone surrogate. */
  validBody: Record<string, unknown>;
  textField: string;
  /** A GET route with a query schema, e.g. `/v1/helpers`. */
  getPath: string;
}

/** `{"name":` + depth × `[` + `"\u0000"` + depth × `]` + `}`: 4 KB at depth 2,000. */
export function deeplyNested(depth: number): Buffer {
  return Buffer.from(`{"name":${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}}`);
}

/** `json` with `bytes` spliced in after its first quote: inside the first key or string. */
function withBytes(json: string, bytes: number[]): Buffer {
  const at = json.indexOf('"') + 1;
  return Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bytes), Buffer.from(json.slice(at))]);
}

export function badRequests(target: BadRequestTarget): BadRequest[] {
  const { method, path } = target.bodyRoute;
  const json = JSON.stringify(target.validBody);
  const body = (what: string, bytes: Buffer, status: number, contentType = 'application/json'): BadRequest => ({
    what,
    method,
    path,
    headers: { 'content-type': contentType },
    body: bytes,
    status,
  });
  return [
    body('2,000 nested arrays around a NUL (the recursion that was a 500)', deeplyNested(2000), 400),
    body('30,000 nested arrays (60 KB)', deeplyNested(30_000), 400),
    body('33 nested objects, one more than the limit', Buffer.from(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`), 400),
    body('a body declared ISO-8859-1', Buffer.from(json, 'latin1'), 415, 'application/json; charset=iso-8859-1'),
    body('a body declared UTF-16', Buffer.from(json, 'utf16le'), 415, 'application/json; charset=utf-16'),
    body('a lone continuation byte (0x80)', withBytes(json, [0x80]), 400),
    body('a truncated two-byte sequence (0xC3 0x28)', withBytes(json, [0xc3, 0x28]), 400),
    body('an overlong encoding of "/" (0xC0 0xAF)', withBytes(json, [0xc0, 0xaf]), 400),
    body('a surrogate encoded as UTF-8 (CESU, 0xED 0xA0 0x80)', withBytes(json, [0xed, 0xa0, 0x80]), 400),
    body('the byte 0xFF', withBytes(json, [0xff]), 400),
    body('a UTF-16 byte-order mark and UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), 400),
    body('a lone surrogate escape (\\ud800) in a text field', Buffer.from(JSON.stringify({ ...target.validBody, [target.textField]: 'Anna\ud800' })), 422),
    ...['TRACE', 'PROPFIND', 'LOCK', 'MKCOL', 'PURGE', 'LINK'].map((m) => ({ what: `${m}, a method no route declares`, method: m, path, status: 405 })),
    { what: 'TRACE of a path without routes', method: 'TRACE', path: '/v1/nothing-here', status: 404 },
    { what: 'a query that is not percent-encoded UTF-8 (%FF)', method: 'GET', path: `${target.getPath}?x=%FF`, status: 400 },
    { what: 'a query with a malformed percent escape (%E4%)', method: 'GET', path: `${target.getPath}?x=%E4%`, status: 400 },
  ];
}

/**
 * Sends each case to `url` with node:http (fetch refuses TRACE) and checks its status, that it is a
 * problem document, and that a 405 says what is allowed.
 */
export async function expectProblems(t: ExecutionContext, url: string, cases: BadRequest[], headers: Record<string, string> = {}): Promise<void> {
  const http = await import('node:http');
  const base = new URL(url);
  for (const c of cases) {
    const answer = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: base.hostname, port: base.port, method: c.method, path: c.path, headers: { ...headers, ...c.headers, ...(c.body ? { 'content-length': String(c.body.length) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
    t.is(answer.status, c.status, `${c.what}: ${answer.body.slice(0, 200)}`);
    t.is(answer.headers['content-type'], 'application/problem+json', c.what);
    if (c.status === 405) t.truthy(answer.headers.allow, `${c.what}: Allow`);
  }
}
