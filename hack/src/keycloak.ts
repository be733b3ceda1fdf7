/**
 * The local Keycloak that hack/keycloak.sh starts (hack/with-env.sh exports where it is), as tests
 * and scripts use it: the realm's issuer for the services, development users' tokens, and the admin
 * REST API to change a user's groups. Development realm only (hack/keycloak/realm-kathelfer.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface LocalKeycloak {
  /** http://127.0.0.1:<port>: the pages, the services and these helpers use it. */
  url: string;
  /** The realm's issuer over HTTP (what the services check). */
  issuer: string;
  /** The realm's issuer over HTTPS (what kube-apiserver checks), with `caFile` its CA. */
  tlsIssuer: string;
  caFile: string;
  adminUsername: string;
  adminPassword: string;
}

const howToRun = 'Run the tests with `npm test` (or `bash hack/with-env.sh …`), which starts Keycloak (hack/keycloak.sh) and sets it.';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set. ${howToRun}`);
  return value;
}

/** Where the local Keycloak is; throws naming the missing variable when it was not started. */
export function localKeycloak(): LocalKeycloak {
  return {
    url: required('KEYCLOAK_URL'),
    issuer: required('KEYCLOAK_ISSUER'),
    tlsIssuer: required('KEYCLOAK_TLS_ISSUER'),
    caFile: required('KEYCLOAK_CA_FILE'),
    adminUsername: required('KEYCLOAK_ADMIN_USERNAME'),
    adminPassword: required('KEYCLOAK_ADMIN_PASSWORD'),
  };
}

/** The service configuration that trusts the local realm: JWKS, issuer and audience as in production. */
export function keycloakServiceEnv(kc: LocalKeycloak = localKeycloak()): Record<string, string> {
  return { JWT_JWKS_URL: `${kc.issuer}/protocol/openid-connect/certs`, JWT_ISSUER: kc.issuer, JWT_AUDIENCE: 'kathelfer' };
}

export interface DevelopmentUser {
  username: string;
  password: string;
  groups: string[];
}

/** The development users of the realm file, with their passwords (never in a production realm). */
export function developmentUsers(): DevelopmentUser[] {
  const realm = JSON.parse(readFileSync(new URL('../keycloak/realm-kathelfer.json', import.meta.url), 'utf8')) as {
    users: Array<{ username: string; groups: string[]; credentials: Array<{ value: string }> }>;
  };
  return realm.users.map((u) => ({ username: u.username, password: u.credentials[0]?.value ?? '', groups: u.groups }));
}

export function developmentUser(username: string): DevelopmentUser {
  const user = developmentUsers().find((u) => u.username === username);
  if (user === undefined) throw new Error(`no development user ${username} in hack/keycloak/realm-kathelfer.json`);
  return user;
}

export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  expires_in: number;
}

async function tokenRequest(tokenUrl: string, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
  const body = (await response.json()) as TokenResponse & { error?: string; error_description?: string };
  if (!response.ok) throw new Error(`${tokenUrl}: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
  return body;
}

/**
 * Tokens of a development user through the `kubectl` client's password grant (enabled in the
 * development realm only, for non-interactive tests; people sign in through the login page).
 */
export function passwordGrant(user: DevelopmentUser, kc: LocalKeycloak = localKeycloak(), clientId = 'kubectl'): Promise<TokenResponse> {
  return tokenRequest(`${kc.issuer}/protocol/openid-connect/token`, { grant_type: 'password', client_id: clientId, username: user.username, password: user.password, scope: 'openid' });
}

/** New tokens for a refresh token: Keycloak recomputes the groups from the user's current membership. */
export function refreshGrant(refreshToken: string, kc: LocalKeycloak = localKeycloak(), clientId = 'kubectl'): Promise<TokenResponse> {
  return tokenRequest(`${kc.issuer}/protocol/openid-connect/token`, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
}

/** The realm's admin REST API, as the bootstrap admin of the master realm. */
export async function keycloakAdmin(kc: LocalKeycloak = localKeycloak()) {
  const { access_token: token } = await tokenRequest(`${kc.url}/realms/master/protocol/openid-connect/token`, {
    grant_type: 'password',
    client_id: 'admin-cli',
    username: kc.adminUsername,
    password: kc.adminPassword,
  });
  const api = `${kc.url}/admin/realms/kathelfer`;
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 || response.status === 201 ? undefined : await response.json()) as T;
  }
  const userId = async (username: string) => {
    const [user] = await call<Array<{ id: string }>>('GET', `/users?exact=true&username=${encodeURIComponent(username)}`);
    if (user === undefined) throw new Error(`no user ${username}`);
    return user.id;
  };
  const groupId = async (name: string) => {
    const [group] = await call<Array<{ id: string }>>('GET', `/groups?exact=true&search=${encodeURIComponent(name)}`);
    if (group === undefined) throw new Error(`no group ${name}`);
    return group.id;
  };
  return {
    /** Creates a user with a password in `groups`; returns its id. */
    async createUser(username: string, password: string, groups: string[]): Promise<string> {
      await call('POST', '/users', {
        username,
        enabled: true,
        emailVerified: true,
        firstName: username,
        lastName: 'Test',
        email: `${username}@kathelfer.invalid`,
        credentials: [{ type: 'password', value: password, temporary: false }],
        groups,
      });
      return userId(username);
    },
    async removeFromGroup(username: string, group: string): Promise<void> {
      await call('DELETE', `/users/${await userId(username)}/groups/${await groupId(group)}`);
    },
    async addToGroup(username: string, group: string): Promise<void> {
      await call('PUT', `/users/${await userId(username)}/groups/${await groupId(group)}`);
    },
  };
}

/**
 * Writes a kubeconfig at `path` for `user` against the cluster of `adminKubeconfig` (its server and
 * CA), whose credentials come from kubectl-oidc-login.ts: kubectl runs as that person of the realm.
 * The password grant is the tests' non-interactive stand-in for the device flow a person uses.
 */
export function writeUserKubeconfig(path: string, adminKubeconfig: string, user: DevelopmentUser, kc: LocalKeycloak = localKeycloak()): void {
  const admin = readFileSync(adminKubeconfig, 'utf8');
  const server = /server:\s*(\S+)/.exec(admin)?.[1];
  const ca = /certificate-authority:\s*(\S+)/.exec(admin)?.[1];
  const caData = /certificate-authority-data:\s*(\S+)/.exec(admin)?.[1];
  if (server === undefined || (ca === undefined && caData === undefined)) throw new Error(`${adminKubeconfig}: no server or certificate authority`);
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const plugin = fileURLToPath(new URL('./kubectl-oidc-login.ts', import.meta.url));
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, ...(ca === undefined ? { 'certificate-authority-data': caData } : { 'certificate-authority': ca }) } }],
    users: [
      {
        name: user.username,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: ['--import', tsx, plugin, '--issuer', kc.tlsIssuer, '--client-id', 'kubectl', '--ca-file', kc.caFile],
            env: [
              { name: 'KATHELFER_OIDC_USERNAME', value: user.username },
              { name: 'KATHELFER_OIDC_PASSWORD', value: user.password },
              { name: 'KATHELFER_OIDC_CACHE_DIR', value: `${path}.tokens` },
            ],
            interactiveMode: 'Never',
          },
        },
      },
    ],
    contexts: [{ name: user.username, context: { cluster: 'local', user: user.username, namespace: 'kathelfer' } }],
    'current-context': user.username,
  };
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
}
