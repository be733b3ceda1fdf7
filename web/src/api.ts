/**
 * Calls to the three APIs. Where each is comes from the serving service's /web-config.json ('' is
 * this page's origin). Tokens go in the Authorization header only — never in a cookie or a URL
 * that a server would log.
 */
export interface WebConfig {
  registrationUrl: string;
  tasksUrl: string;
  matchingUrl: string;
  /** Staff sign-in through the authority's OIDC provider; null where the services have none (tests with a shared secret). */
  signIn: { authority: string; clientId: string } | null;
}

export type Service = 'registration' | 'tasks' | 'matching';

/** One field error of a 422 problem document; `code` (`<field name>.<kind>`) is what pages map to their texts. */
export interface FieldProblem {
  field: string;
  message: string;
  code?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }
}

let config: Promise<WebConfig> | undefined;

export function webConfig(): Promise<WebConfig> {
  config ??= fetch(new URL('web-config.json', location.href)).then(async (r) => {
    if (!r.ok) throw new Error(`web-config.json: ${r.status}`);
    return (await r.json()) as WebConfig;
  });
  return config;
}

export async function baseUrl(service: Service): Promise<string> {
  const c = await webConfig();
  const url = { registration: c.registrationUrl, tasks: c.tasksUrl, matching: c.matchingUrl }[service];
  return url === '' ? location.origin : url;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** Throws ApiError with the problem document on any status of 400 or more. */
export async function call<T>(service: Service, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${await baseUrl(service)}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (response.status >= 400) {
    const problem = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Problem;
    throw new ApiError({ ...problem, status: response.status });
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}
