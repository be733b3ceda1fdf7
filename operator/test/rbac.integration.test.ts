import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { accessDocuments } from '@kathelfer/hack/overlay-access';
import { kubeconfigPath } from '@kathelfer/hack/test-env';
import { installCrds } from './support.js';

const run = promisify(execFile);
const overlay = fileURLToPath(new URL('../../manifests/overlays/local', import.meta.url));
const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { maxBuffer: 1 << 24 });

/** resource: `plural.group`, `plural.group/name`, or `plural.group:subresource`. */
async function can(as: string, verb: string, resource: string, namespace: string): Promise<boolean> {
  const [what, subresource] = resource.split(':') as [string, string | undefined];
  try {
    await kubectl('auth', 'can-i', verb, what, ...(subresource !== undefined ? [`--subresource=${subresource}`] : []), `--as=system:serviceaccount:kathelfer:${as}`, '-n', namespace);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 1) return false; // kubectl's "no"
    throw error;
  }
}

let applied = '';
test.before(async () => {
  await installCrds();
  // Everything goes through a server-side dry run; only the access objects are created (see
  // hack/src/overlay-access.ts; hack/test/real-platform.integration.test.ts runs the workloads).
  const access = accessDocuments((await kubectl('kustomize', overlay)).stdout);
  const dir = mkdtempSync(join(tmpdir(), 'kathelfer-rbac-'));
  try {
    writeFileSync(join(dir, 'access.yaml'), access);
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', join(dir, 'access.yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // after the access objects: a dry run in a namespace that does not exist yet is refused
  applied = (await kubectl('apply', '--server-side', '--force-conflicts', '--dry-run=server', '-k', overlay)).stdout;
});

test('every object of manifests/overlays/local is accepted by the API server (server-side dry run)', async (t) => {
  const rendered = (await kubectl('kustomize', overlay)).stdout.split(/^---$/m).filter((d) => /^kind:/m.test(d)).length;
  const accepted = applied.split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)')).length;
  t.true(rendered > 20, `the overlay renders ${rendered} objects`);
  t.is(accepted, rendered);
});

test('manifests/overlays/otc (images from the registry, CCE load balancer, database subnet) passes a server-side dry run', async (t) => {
  const otc = fileURLToPath(new URL('../../manifests/overlays/otc', import.meta.url));
  const { stdout } = await kubectl('apply', '--server-side', '--force-conflicts', '--dry-run=server', '-k', otc);
  t.regex(stdout, /ingress\.networking\.k8s\.io\/kathelfer serverside-applied \(server dry run\)/);
  t.regex(stdout, /deployment\.apps\/registration serverside-applied \(server dry run\)/);
  const rendered = (await kubectl('kustomize', otc)).stdout;
  t.regex(rendered, /image: swr\.eu-de\.otc\.t-systems\.com\/kathelfer\/operator:latest/);
  t.notRegex(rendered, /kind: Secret/, 'no Secret is committed for the cloud');
});

const cases: Array<[string, string, string, string, boolean]> = [
  // the operator: what its code calls
  ['kathelfer-operator', 'watch', 'disasterevents.kathelfer.io', 'landkreis-ahrweiler', true],
  ['kathelfer-operator', 'list', 'surgeplans.kathelfer.io', 'landkreis-ahrweiler', true],
  ['kathelfer-operator', 'patch', 'disasterevents.kathelfer.io:status', 'landkreis-ahrweiler', true],
  ['kathelfer-operator', 'patch', 'deployments.apps:scale', 'landkreis-ahrweiler', true],
  ['kathelfer-operator', 'patch', 'horizontalpodautoscalers.autoscaling', 'landkreis-ahrweiler', true],
  ['kathelfer-operator', 'create', 'events', 'landkreis-ahrweiler', true],
  ['kathelfer-operator', 'update', 'leases.coordination.k8s.io/kathelfer-operator', 'kathelfer', true],
  // … and nothing more
  ['kathelfer-operator', 'get', 'secrets', 'kathelfer', false],
  ['kathelfer-operator', 'create', 'deployments.apps', 'landkreis-ahrweiler', false],
  ['kathelfer-operator', 'update', 'deployments.apps:scale', 'landkreis-ahrweiler', false],
  ['kathelfer-operator', 'delete', 'deployments.apps', 'landkreis-ahrweiler', false],
  ['kathelfer-operator', 'create', 'disasterevents.kathelfer.io', 'landkreis-ahrweiler', false],
  ['kathelfer-operator', 'patch', 'disasterevents.kathelfer.io', 'landkreis-ahrweiler', false],
  ['kathelfer-operator', 'update', 'leases.coordination.k8s.io/kathelfer-operator', 'kube-system', false],
  ['kathelfer-operator', 'update', 'leases.coordination.k8s.io/someone-else', 'kathelfer', false],
  // an authority declares, raises, ends and watches incidents, nothing else
  ['kathelfer-authority', 'create', 'disasterevents.kathelfer.io', 'kathelfer', true],
  ['kathelfer-authority', 'patch', 'disasterevents.kathelfer.io', 'kathelfer', true],
  ['kathelfer-authority', 'get', 'disasterevents.kathelfer.io:status', 'kathelfer', true],
  ['kathelfer-authority', 'delete', 'disasterevents.kathelfer.io', 'kathelfer', false],
  ['kathelfer-authority', 'patch', 'disasterevents.kathelfer.io:status', 'kathelfer', false],
  ['kathelfer-authority', 'patch', 'deployments.apps:scale', 'kathelfer', false],
  ['kathelfer-authority', 'create', 'surgeplans.kathelfer.io', 'kathelfer', false],
  ['kathelfer-authority', 'get', 'secrets', 'kathelfer', false],
  ['kathelfer-authority', 'create', 'disasterevents.kathelfer.io', 'default', false],
];

for (const [as, verb, resource, namespace, allowed] of cases) {
  test(`${as} ${allowed ? 'may' : 'may not'} ${verb} ${resource} in ${namespace}`, async (t) => {
    t.is(await can(as, verb, resource, namespace), allowed);
  });
}

test('the on-call role reads everything of the platform but no Secrets, and changes nothing', async (t) => {
  await kubectl('create', 'serviceaccount', 'on-call-test', '-n', 'kathelfer').catch(() => undefined);
  await kubectl('create', 'clusterrolebinding', 'on-call-test', '--clusterrole=kathelfer-on-call', '--serviceaccount=kathelfer:on-call-test').catch(() => undefined);
  for (const [verb, resource] of [['list', 'pods'], ['get', 'pods:log'], ['list', 'events'], ['get', 'leases.coordination.k8s.io'], ['list', 'surgeplans.kathelfer.io'], ['get', 'horizontalpodautoscalers.autoscaling']]) {
    t.true(await can('on-call-test', verb as string, resource as string, 'kathelfer'), `${verb} ${resource}`);
  }
  for (const [verb, resource] of [['get', 'secrets'], ['patch', 'deployments.apps'], ['delete', 'pods'], ['create', 'disasterevents.kathelfer.io']]) {
    t.false(await can('on-call-test', verb as string, resource as string, 'kathelfer'), `${verb} ${resource}`);
  }
});
