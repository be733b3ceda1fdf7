import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import { baseConfigSchema, ConfigError, loadConfig } from '../src/config.js';

const run = promisify(execFile);

interface Rendered {
  config: Record<string, string>;
  secret: Record<string, string>;
}

/** The ConfigMap and (generated) Secret the services' pods get from an overlay, as `kubectl apply -k` would create them. */
async function render(overlay: string): Promise<Rendered> {
  const dir = fileURLToPath(new URL(`../../../manifests/overlays/${overlay}`, import.meta.url));
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 1 << 24 });
  const documents = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string> });
  const config = documents.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'kathelfer-config')?.data ?? {};
  const secretDoc = documents.find((d) => d.kind === 'Secret' && d.metadata.name === 'kathelfer-secrets');
  const secret = Object.fromEntries(Object.entries(secretDoc?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  return { config, secret };
}

const datastores = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', REDIS_URL: 'redis://127.0.0.1:6379', DB_SCHEMA: 'tasks' };

test('overlays/otc: a service given the development JWT_SECRET refuses to start; with the provider settings of the overlay it starts', async (t) => {
  const { config } = await render('otc');
  t.is(config.KATHELFER_ENVIRONMENT, 'production');
  const error = t.throws(() => loadConfig(baseConfigSchema, { ...config, ...datastores, JWT_SECRET: 'local-development-only-secret-not-for-production' }), { instanceOf: ConfigError });
  t.regex(error.message, /JWT_SECRET is refused/);
  const loaded = loadConfig(baseConfigSchema, { ...config, ...datastores });
  t.regex(loaded.JWT_JWKS_URL ?? '', /^https:\/\/.+\/protocol\/openid-connect\/certs$/);
  t.is(loaded.JWT_AUDIENCE, 'kathelfer');
});

test('overlays/local: the development secret it generates is accepted there (kwok pods, never a cloud)', async (t) => {
  const { config, secret } = await render('local');
  t.is(config.KATHELFER_ENVIRONMENT, 'development');
  t.notThrows(() => loadConfig(baseConfigSchema, { ...config, ...secret, ...datastores }));
});
