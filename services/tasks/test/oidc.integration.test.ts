import test from 'ava';
import { developmentUser, keycloakAdmin, keycloakServiceEnv, passwordGrant, refreshGrant } from '@kathelfer/hack/keycloak';
import { uniqueName } from '@kathelfer/hack/test-env';
import { call, ok, siteBody, startTasks, taskBody, testEnv, type Running, type SiteView } from './support/tasks.js';

// The task service as it runs in production: staff tokens only from the provider (the local
// Keycloak's realm), verified through its JWKS; no shared secret.
let svc: Running;
let site: SiteView;

test.before(async () => {
  const { JWT_SECRET: _secret, ...env } = testEnv(keycloakServiceEnv());
  svc = await startTasks(env);
  const coordinator = await passwordGrant(developmentUser('koordination'));
  site = await ok<SiteView>(call(`${svc.url}/v1/sites`, coordinator.access_token, 'POST', siteBody()), 201);
});

test.after.always(async () => {
  await svc.close();
});

test("Keycloak's coordinator posts a task; its site lead is refused (403) but checks in and sees the load", async (t) => {
  const coordinator = await passwordGrant(developmentUser('koordination'));
  t.is((await call(`${svc.url}/v1/tasks`, coordinator.access_token, 'POST', taskBody(site.id))).status, 201);
  const lead = await passwordGrant(developmentUser('einsatzstelle'));
  t.is((await call(`${svc.url}/v1/tasks`, lead.access_token, 'POST', taskBody(site.id))).status, 403);
  t.like(await ok(call(`${svc.url}/v1/sites/${site.id}/load`, lead.access_token)), { siteId: site.id });
  const authority = await passwordGrant(developmentUser('stab'));
  t.is((await call(`${svc.url}/v1/tasks`, authority.access_token, 'POST', taskBody(site.id))).status, 403, 'an authority is not a coordinator');
});

test("a token of the realm's issuer for another client's audience, and the ID token, are refused (401)", async (t) => {
  const coordinator = await passwordGrant(developmentUser('koordination'));
  // The ID token names the client (kubectl) as its audience, not kathelfer.
  t.is((await call(`${svc.url}/v1/tasks?incidentId=flood-2026`, coordinator.id_token)).status, 401);
});

test('a user removed from the coordinator group loses access at the next token refresh', async (t) => {
  const admin = await keycloakAdmin();
  const username = uniqueName('coord');
  const password = `pw-${uniqueName('x')}`;
  await admin.createUser(username, password, ['coordinator']);
  const first = await passwordGrant({ username, password, groups: [] });
  t.is((await call(`${svc.url}/v1/tasks`, first.access_token, 'POST', taskBody(site.id))).status, 201);
  await admin.removeFromGroup(username, 'coordinator');
  const refreshed = await refreshGrant(first.refresh_token ?? '');
  const response = await call(`${svc.url}/v1/tasks`, refreshed.access_token, 'POST', taskBody(site.id));
  t.is(response.status, 403);
});
