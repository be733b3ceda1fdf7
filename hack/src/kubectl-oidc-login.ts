/**
 * A kubectl credential plugin (client.authentication.k8s.io/v1 ExecCredential) for the local
 * Keycloak realm: it gets an ID token of the `kubectl` client and hands it to kubectl, which sends
 * it to kube-apiserver; the API server verifies it against the realm (hack/cluster.sh's
 * authentication configuration) and the person becomes `oidc:<username>` in groups `oidc:<group>`.
 *
 * Why our own: int128/kubelogin (what we recommend for real clusters, see the README) is not served
 * by the Go module proxy this machine reaches (403 for github.com/int128/kubelogin), and the tests
 * need a non-interactive login. This plugin knows two grants:
 *   - KATHELFER_OIDC_USERNAME and KATHELFER_OIDC_PASSWORD set: the password grant (development
 *     realm and tests only; a production realm disables it for the kubectl client);
 *   - otherwise the device authorization grant (RFC 8628): it prints the URL to open on stderr and
 *     waits until the person has signed in there.
 * The tokens are cached per issuer, client and user under ~/.kube/cache/kathelfer-oidc (mode 600;
 * KATHELFER_OIDC_CACHE_DIR elsewhere)
 * and renewed with the refresh token.
 *
 *   node --import <tsx> hack/src/kubectl-oidc-login.ts --issuer https://127.0.0.1:PORT/realms/kathelfer --client-id kubectl [--ca-file CA.pem]
 *
 * kubectl starts it from any directory: the kubeconfig names node, tsx's loader and this file by
 * absolute path (see kubeconfigUser in keycloak.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface TokenSet {
  id_token?: string;
  refresh_token?: string;
}
interface OAuthAnswer extends TokenSet {
  error?: string;
  error_description?: string;
  device_code?: string;
  user_code?: string;
  verification_uri?: string;
  verification_uri_complete?: string;
  interval?: number;
  expires_in?: number;
}

const { values } = parseArgs({
  options: { issuer: { type: 'string' }, 'client-id': { type: 'string', default: 'kubectl' }, 'ca-file': { type: 'string' } },
});
const issuer = values.issuer;
if (issuer === undefined) {
  process.stderr.write('kubectl-oidc-login: --issuer is required\n');
  process.exit(2);
}
const clientId = values['client-id'];
const ca = values['ca-file'] === undefined ? undefined : readFileSync(values['ca-file']);
const username = process.env.KATHELFER_OIDC_USERNAME;
const password = process.env.KATHELFER_OIDC_PASSWORD;

/** POSTs a form over HTTPS (trusting `ca` when given) and returns the parsed JSON and status. */
function post(url: string, form: Record<string, string>): Promise<{ status: number; json: OAuthAnswer }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as OAuthAnswer });
        } catch (error) {
          reject(new Error(`${url}: ${res.statusCode ?? 0} ${text.slice(0, 200)} (${(error as Error).message})`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const tokenUrl = `${issuer}/protocol/openid-connect/token`;
const cacheDir = process.env.KATHELFER_OIDC_CACHE_DIR ?? join(homedir(), '.kube', 'cache', 'kathelfer-oidc');
const cacheFile = join(cacheDir, `${createHash('sha256').update(`${issuer}\n${clientId}\n${username ?? ''}`).digest('hex').slice(0, 32)}.json`);

function readCache(): TokenSet | undefined {
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as TokenSet;
  } catch {
    return undefined;
  }
}

/** The token's `exp` in ms since the epoch. */
function expiryOf(idToken: string): number {
  const payload = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number };
  return payload.exp * 1000;
}

async function grant(form: Record<string, string>): Promise<OAuthAnswer> {
  const { status, json } = await post(tokenUrl, { client_id: clientId, ...form });
  if (status !== 200) throw new Error(`${json.error ?? String(status)}: ${json.error_description ?? ''}`);
  return json;
}

async function deviceFlow(): Promise<OAuthAnswer> {
  const { status, json: device } = await post(`${issuer}/protocol/openid-connect/auth/device`, { client_id: clientId, scope: 'openid' });
  if (status !== 200) throw new Error(`device authorization: ${device.error ?? String(status)} ${device.error_description ?? ''}`);
  process.stderr.write(`Sign in at ${device.verification_uri_complete ?? device.verification_uri ?? '?'} (code ${device.user_code ?? '?'})\n`);
  let interval = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + (device.expires_in ?? 600) * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval));
    const { status: s, json } = await post(tokenUrl, { client_id: clientId, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code ?? '' });
    if (s === 200) return json;
    if (json.error === 'slow_down') interval += 5000;
    else if (json.error !== 'authorization_pending') throw new Error(`${json.error}: ${json.error_description ?? ''}`);
  }
  throw new Error('the sign-in was not completed in time');
}

async function tokens(): Promise<TokenSet> {
  const cached = readCache();
  // A token with less than a minute left is renewed: kubectl may use it for a while.
  if (cached?.id_token !== undefined && expiryOf(cached.id_token) - Date.now() > 60_000) return cached;
  if (cached?.refresh_token !== undefined) {
    try {
      return await grant({ grant_type: 'refresh_token', refresh_token: cached.refresh_token });
    } catch {
      // the session ended (signed out, removed, expired): sign in again
    }
  }
  if (username !== undefined && password !== undefined) return grant({ grant_type: 'password', username, password, scope: 'openid' });
  return deviceFlow();
}

try {
  const fresh = await tokens();
  if (fresh.id_token === undefined) throw new Error('the provider sent no ID token (is the scope openid allowed for this client?)');
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  writeFileSync(cacheFile, JSON.stringify({ id_token: fresh.id_token, refresh_token: fresh.refresh_token }), { mode: 0o600 });
  const credential = {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token: fresh.id_token, expirationTimestamp: new Date(expiryOf(fresh.id_token)).toISOString() },
  };
  process.stdout.write(`${JSON.stringify(credential)}\n`);
} catch (error) {
  process.stderr.write(`kubectl-oidc-login: ${(error as Error).message}\n`);
  process.exit(1);
}
