import { createServer } from 'node:net';
/**
 * How integration tests reach the real servers that `npm test` (hack/test.sh) starts once per run:
 * the local kube-apiserver, PostgreSQL and Redis. A missing variable is an error, never a reason to
 * skip: a skipped integration test hides a failure.
 */
import { randomBytes } from 'node:crypto';

function required(name: string, hint: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set. ${hint}`);
  }
  return value;
}

const runThroughNpmTest = 'Run the tests with `npm test`, which starts the local control plane, PostgreSQL and Redis and sets it.';

/** Path of the kubeconfig for the test cluster. */
export function kubeconfigPath(): string {
  return required('KUBECONFIG', runThroughNpmTest);
}

/** postgres:// URL of a database the tests may create schemas in. */
export function databaseUrl(): string {
  return required('DATABASE_URL', runThroughNpmTest);
}

/** redis:// URL of the test Redis. */
export function redisUrl(): string {
  return required('REDIS_URL', runThroughNpmTest);
}

/**
 * A name no other test in this run uses (namespaces, schemas, stream keys), so test files can run
 * in parallel against one server. Lower-case DNS-1123 label, at most 63 characters.
 */
export function uniqueName(prefix: string): string {
  const suffix = randomBytes(4).toString('hex');
  return `${prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 50)}-${suffix}`;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a server a test or benchmark starts). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
