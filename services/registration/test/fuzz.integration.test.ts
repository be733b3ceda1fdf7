import test from 'ava';
import { signToken } from '@kathelfer/common/testing/http';
import { postJson, startRegistration, validBody, type Running } from './support/registration.js';

let svc: Running;
test.before(async () => {
  svc = await startRegistration();
});
test.after.always(() => svc.close());

const garbageBodies: unknown[] = [null, [], 'text', 0, true, {}, { '': '' }, { __proto__: { admin: true } }, { name: { $gt: '' } }, { skills: 'first-aid' }, { a: 'x'.repeat(10_000) }, JSON.parse('{"constructor":{"prototype":{"polluted":1}}}')];
const garbageIds = ['0', 'not-a-uuid', '%00', "'; DROP TABLE helpers; --", '00000000-0000-0000-0000-000000000000', 'ÄÖÜ'];
const garbageQueries = ['', '?limit=-1', '?limit=abc', '?offset=1e99', '?near=999,999', '?availableAt=yesterday', '?skill[]=a&skill[]=b', '?reason=', "?postalArea=0'--", '?unknown=1'];

test('driven by its own OpenAPI document, garbage on every route and method gets 2xx or a 4xx problem document, never a 5xx', async (t) => {
  const document = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const helper = (await (await postJson(`${svc.url}/v1/helpers`, validBody())).json()) as { token: string };
  const tokens = [undefined, `Bearer ${await signToken(['admin', 'coordinator'])}`, `Bearer ${helper.token}`, 'Bearer garbage', 'Basic YTpi'];
  let requests = 0;
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      for (const id of path.includes('{') ? garbageIds : ['']) {
        const concrete = path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
        for (const authorization of tokens) {
          const bodies = ['post', 'put', 'patch'].includes(method) ? garbageBodies : [undefined];
          const queries = method === 'get' ? garbageQueries : [''];
          for (const body of bodies) {
            for (const query of queries) {
              if (method === 'delete' && authorization === `Bearer ${helper.token}`) continue; // keep the helper for the other cases
              const response = await fetch(`${svc.url}${concrete}${query}`, {
                method: method.toUpperCase(),
                headers: { ...(authorization ? { authorization } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                ...(body === undefined ? {} : { body: JSON.stringify(body) }),
              });
              requests += 1;
              const label = `${method.toUpperCase()} ${concrete}${query} ${authorization?.slice(0, 12) ?? 'anonymous'} ${JSON.stringify(body)?.slice(0, 40)}`;
              if (response.status >= 500) t.fail(`${label} → ${response.status}: ${await response.text()}`);
              else if (response.status >= 400) t.is(response.headers.get('content-type'), 'application/problem+json', label);
              await response.body?.cancel();
            }
          }
        }
      }
    }
  }
  t.true(requests > 300, `${requests} requests`);
  t.log(`${requests} requests, no 5xx`);
});
