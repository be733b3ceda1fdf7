/**
 * A property-based fuzzer driven by a service's own `/openapi.json` (fast-check): requests shaped
 * by each operation's schemas, mixed with the kinds of input that have broken a service before —
 * methods the router does not declare, timestamps with any offset, pattern-shaped but impossible
 * values, deep nesting, NUL and lone surrogates, bytes that are not UTF-8, foreign charsets. The
 * property: never a 5xx, and every 4xx is an RFC 9457 problem document (405s with `Allow`).
 */
import http from 'node:http';
import fc from 'fast-check';

type JsonSchema = Record<string, unknown> & {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzOptions {
  /** Base URL of the running service, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `Authorization` header values to try besides none (e.g. a coordinator JWT, a helper token). */
  authorizations: string[];
  /** Path parameter values worth trying besides generated ones, e.g. ids of existing resources. */
  knownIds?: string[];
  /** Examples (requests) in total, spread over every operation. */
  numRuns: number;
  /** fast-check seed, to replay a failure; random unless FUZZ_SEED is set. */
  seed?: number;
}

export interface FuzzReport {
  requests: number;
  operations: number;
  /** How many responses had each status. */
  statuses: Record<number, number>;
  seed: number;
}

/** Every method Node's HTTP parser knows but CONNECT (it tunnels): TRACE, PROPFIND, LOCK, MKCOL, … */
const anyMethod = http.METHODS.filter((m) => m !== 'CONNECT');
const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/** ISO 8601 date-times of any shape a regex would pass: years 0000–9999, offsets up to ±23:59. */
const dateTime: fc.Arbitrary<string> = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 1970, 2026, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^\.\d{1,12}$/), { nil: '' }),
    offset: fc.oneof(
      { arbitrary: fc.constant('Z'), weight: 1 },
      {
        arbitrary: fc
          .record({
            sign: fc.constantFrom('+', '-'),
            // Edges where PostgreSQL's range (±15:59) ends weigh as much as the whole range.
            hours: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 14, 15, 16, 23)),
            minutes: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.constantFrom(0, 59)),
          })
          .map(({ sign, hours, minutes }) => `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`),
        weight: 2,
      },
    ),
  })
  .map((d) => `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}T${pad(d.hour, 2)}:${pad(d.minute, 2)}:00${d.fraction}${d.offset}`);

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const email = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('info@bäckerei-müller-beispiel.de', ' lea.beispiel@example.org ', 'LEA@EXAMPLE.ORG', 'a@xn--bckerei-mller-beispiel-3ec.de', 'x@localhost', 'x@.de', 'x@ä'),
);

/** Values that broke services before, or that a schema easily forgets. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, 2 ** 53, -0, 0.5, '', ' ', '\u0000', 'a\u0000b', '\ud800', '\u200b', '\u3000', '\u00a0', 'A\u030a', 'x'.repeat(5000), '1e999', 'NaN', '{}', [], {}, ['x'], { $gt: '' }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  dateTime,
);

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return dateTime;
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'email') return email;
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const maxLength = Math.min(schema.maxLength ?? 40, 40);
  return fc.string({ unit: 'grapheme', minLength: Math.min(schema.minLength ?? 0, maxLength), maxLength });
}

/**
 * Values in the shape of `schema`. `dirty`: a nasty value now and then at any node, so that one
 * bad field hides among valid ones; clean values reach deeper into the handlers.
 */
function valueFor(schema: JsonSchema, dirty: boolean, depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedValue(schema, dirty, depth);
  return dirty ? fc.oneof({ arbitrary: shaped, weight: 8 }, { arbitrary: nastyValue, weight: 1 }) : shaped;
}

function shapedValue(schema: JsonSchema, dirty: boolean, depth: number): fc.Arbitrary<unknown> {
  if (depth > 8) return nastyValue;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((s) => valueFor(s, dirty, depth + 1)));
  if (schema.allOf !== undefined && schema.allOf.length > 0) return valueFor({ ...schema, allOf: undefined, ...schema.allOf[0] }, dirty, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'any'];
  if (type.length > 1) return fc.oneof(...type.map((t) => shapedValue({ ...schema, type: t }, dirty, depth)));
  switch (type[0]) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? (schema.exclusiveMinimum as number | undefined ?? -1e6 - 1) + 1, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? (schema.exclusiveMaximum as number | undefined ?? 1e6 + 1) - 1, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? (schema.exclusiveMinimum as number | undefined) ?? -1e6,
        max: schema.maximum ?? (schema.exclusiveMaximum as number | undefined) ?? 1e6,
        minExcluded: schema.minimum === undefined && schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.maximum === undefined && schema.exclusiveMaximum !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(schema.items ?? {}, dirty, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4)),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const required = schema.required ?? [];
      return fc.record(Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, valueFor(s, dirty, depth + 1)])), {
        requiredKeys: required.filter((name) => name in properties),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** `{"name":[[[…"\u0000"…]]]}`: deep enough to exhaust a recursive walk, small enough for any body limit. */
const deepNesting = fc.integer({ min: 1, max: 5000 }).map((depth) => Buffer.from(`{"name":${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}}`));

/** JSON text with bytes in a string that are not UTF-8 (a lone continuation byte, an overlong form, 0xFF). */
function notUtf8(json: string): fc.Arbitrary<Buffer> {
  return fc.constantFrom([0x80], [0xc3, 0x28], [0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80]).map((bytes) => {
    const at = json.indexOf('"') + 1;
    return at === 0 ? Buffer.from(bytes) : Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bytes), Buffer.from(json.slice(at))]);
  });
}

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 12 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json; charset=iso-8859-1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/problem+json',
    ),
    weight: 2,
  },
);

function bodyFor(schema: JsonSchema | undefined, dirty: boolean): fc.Arbitrary<Buffer | undefined> {
  const json = (schema === undefined ? fc.jsonValue({ maxDepth: 2 }) : valueFor(schema, dirty)).map((v) => JSON.stringify(v) ?? 'null');
  if (!dirty) return json.map((text) => Buffer.from(text));
  return fc.oneof(
    { arbitrary: json.map((text) => Buffer.from(text)), weight: 4 },
    { arbitrary: json.chain(notUtf8), weight: 1 },
    { arbitrary: deepNesting, weight: 3 },
    { arbitrary: fc.constantFrom(Buffer.from('{"a":'), Buffer.from('\u00ef\u00bb\u00bf{}'), Buffer.from([0xfe, 0xff, 0, 0x7b, 0, 0x7d])), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

/** Every byte but unreserved ones percent-encoded; a lone surrogate goes as U+FFFD (encodeURIComponent throws). */
function percentEncoded(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A query string value: as the schema wants it, or anything. */
function queryValue(schema: JsonSchema, dirty: boolean): fc.Arbitrary<string> {
  return valueFor(schema, dirty).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
}

function requestFor(operation: Operation, options: FuzzOptions, dirty: boolean): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const queryParams = operation.parameters.filter((p) => p.in === 'query');
  const known = options.knownIds ?? [];
  const pathValue = (p: Parameter) =>
    known.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 2 }, { arbitrary: queryValue(p.schema, dirty), weight: 3 }) : queryValue(p.schema, dirty);
  return fc
    .record({
      method: dirty ? fc.oneof({ arbitrary: fc.constant(operation.method.toUpperCase()), weight: 2 }, { arbitrary: fc.constantFrom(...anyMethod), weight: 1 }) : fc.constant(operation.method.toUpperCase()),
      path: fc.tuple(...pathParams.map(pathValue)).map((values) =>
        pathParams.reduce((path, p, i) => path.replace(`{${p.name}}`, percentEncoded(values[i] ?? '')), operation.path),
      ),
      query: fc.tuple(...queryParams.map((p) => (p.required ? queryValue(p.schema, dirty).map((v) => [v]) : fc.option(queryValue(p.schema, dirty).map((v) => [v]), { freq: 2, nil: [] })))),
      extraQuery: dirty ? fc.option(fc.constantFrom('unknown=1', `${queryParams[0]?.name ?? 'x'}=1`, 'a[b]=c'), { freq: 4, nil: undefined }) : fc.constant(undefined),
      authorization: fc.oneof(
        { arbitrary: fc.constantFrom(...options.authorizations), weight: 8 },
        { arbitrary: fc.constantFrom(undefined, 'Bearer garbage', 'Basic YTpi'), weight: 1 },
      ),
      contentType: dirty ? contentType : fc.constant('application/json'),
      body: bodyFor(operation.body, dirty),
    })
    .map((r) => {
      const search = new URLSearchParams();
      queryParams.forEach((p, i) => r.query[i]?.forEach((v) => search.append(p.name, v)));
      const query = [search.toString(), r.extraQuery].filter((s) => s !== undefined && s !== '').join('&');
      const body = bodyMethods.has(r.method) || operation.body !== undefined ? r.body : undefined;
      return {
        method: r.method,
        path: `${r.path}${query === '' ? '' : `?${query}`}`,
        headers: {
          ...(r.authorization === undefined ? {} : { authorization: r.authorization }),
          ...(body === undefined ? {} : { 'content-type': r.contentType }),
        },
        ...(body === undefined ? {} : { body }),
      };
    });
}

function operationsOf(document: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method,
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content?.['application/json']?.schema,
    })),
  );
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(agent: http.Agent, base: URL, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(request.body === undefined ? {} : { 'content-length': String(request.body.length) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Why `answer` breaks the property, or undefined when it holds. */
function violation(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400 || request.method === 'HEAD') return undefined;
  if (answer.headers['content-type'] !== 'application/problem+json') return `${answer.status} with content-type ${answer.headers['content-type']}`;
  const problem = JSON.parse(answer.body) as { status?: unknown; type?: unknown; title?: unknown };
  if (problem.status !== answer.status || typeof problem.type !== 'string' || typeof problem.title !== 'string') return `not a problem document: ${answer.body.slice(0, 200)}`;
  if (answer.status === 405 && !answer.headers.allow) return '405 without Allow';
  return undefined;
}

/**
 * Runs `numRuns` generated requests against the service at `url`, built from its `/openapi.json`.
 * Throws fast-check's report (shrunk counterexample and seed) at the first violation.
 */
export async function fuzzOpenApi(options: FuzzOptions): Promise<FuzzReport> {
  const base = new URL(options.url);
  const document = (await (await fetch(new URL('/openapi.json', base))).json()) as Parameters<typeof operationsOf>[0];
  const operations = operationsOf(document);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const statuses: Record<number, number> = {};
  const seed = options.seed ?? (process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(process.env.FUZZ_SEED));
  let requests = 0;
  try {
    // A third of the requests dirty: any method, nasty values, foreign content types and bytes.
    const request = fc.tuple(fc.constantFrom(...operations), fc.integer({ min: 0, max: 2 })).chain(([operation, n]) => requestFor(operation, options, n === 0));
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const answer = await send(agent, base, r);
        requests += 1;
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        const problem = violation(r, answer);
        if (problem !== undefined) {
          const shown = r.body === undefined ? '' : ` ${r.headers['content-type']} ${JSON.stringify(r.body.toString('utf8').slice(0, 200))}`;
          throw new Error(`${r.method} ${r.path}${shown} → ${problem}`);
        }
      }),
      { numRuns: options.numRuns, seed, endOnFailure: process.env.FUZZ_SHRINK === undefined },
    );
  } finally {
    agent.destroy();
  }
  return { requests, operations: operations.length, statuses, seed };
}
