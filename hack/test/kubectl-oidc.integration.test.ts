import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { developmentUser, writeUserKubeconfig } from '../src/keycloak.js';
import { accessDocuments } from '../src/overlay-access.js';
import { eventually, kubeconfigPath, uniqueName } from '../src/test-env.js';

// kubectl as a person of the identity provider: kube-apiserver trusts the local Keycloak's realm
// (hack/cluster.sh's authentication configuration), the provider's group authority is bound to the
// Role kathelfer-authority (manifests/base/access), and the audit log names who did what.
const run = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kathelfer-kubectl-oidc-'));
const admin = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { maxBuffer: 1 << 24 });

function kubeconfigOf(username: string): string {
  const path = join(dir, `${username}.kubeconfig`);
  writeUserKubeconfig(path, kubeconfigPath(), developmentUser(username));
  return path;
}

const disasterEvent = (name: string) =>
  JSON.stringify({
    apiVersion: 'kathelfer.io/v1alpha1',
    kind: 'DisasterEvent',
    metadata: { name },
    spec: { title: 'Sturmflut Nordsee', type: 'storm', severity: 2, region: { name: 'Kreis Nordfriesland', lat: 54.47, lon: 9.05, radiusKm: 20 }, expectedHelpers: 300, state: 'Active' },
  });

/** kubectl with `kubeconfig`, the manifest on stdin. */
function kubectlWithInput(kubeconfig: string, input: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], (error, stdout, stderr) => {
      if (error === null) resolve({ stdout, stderr });
      else reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`));
    });
    child.stdin?.end(input);
  });
}

test.before(async () => {
  await admin('apply', '--server-side', '--force-conflicts', '-k', repo('crds'));
  await admin('wait', '--for=condition=Established', 'crd/disasterevents.kathelfer.io', '--timeout=60s');
  // The overlay's access rules only: its workloads would run as real pods (src/overlay-access.ts).
  const rendered = (await admin('kustomize', repo('manifests/overlays/local'))).stdout;
  await kubectlWithInput(kubeconfigPath(), accessDocuments(rendered), 'apply', '--server-side', '--force-conflicts', '-f', '-');
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('the authority user of the provider declares a DisasterEvent with kubectl, as themselves, and the audit log names them', async (t) => {
  const kubeconfig = kubeconfigOf('stab');
  const whoami = JSON.parse((await run('kubectl', ['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'json'])).stdout) as { status: { userInfo: { username: string; groups: string[] } } };
  t.is(whoami.status.userInfo.username, 'oidc:stab');
  t.true(whoami.status.userInfo.groups.includes('oidc:authority'));
  const name = uniqueName('sturmflut');
  await kubectlWithInput(kubeconfig, disasterEvent(name), 'create', '-f', '-');
  const created = JSON.parse((await admin('-n', 'kathelfer', 'get', 'disasterevent', name, '-o', 'json')).stdout) as { spec: { title: string } };
  t.is(created.spec.title, 'Sturmflut Nordsee');
  const auditLog = join(process.env.KATHELFER_STATE ?? '', 'cluster', 'logs', 'audit.log');
  const entry = await eventually(
    'the create in the audit log',
    () => {
      const lines = readFileSync(auditLog, 'utf8').split('\n').filter((l) => l !== '');
      return Promise.resolve(lines
        .map((l) => JSON.parse(l) as { verb: string; user: { username: string; groups?: string[] }; objectRef?: { resource: string; name?: string }; responseStatus?: { code: number } })
        .find((e) => e.verb === 'create' && e.objectRef?.resource === 'disasterevents' && e.responseStatus?.code === 201 && e.user.username === 'oidc:stab'));
    },
    { timeoutMs: 10_000, intervalMs: 200 },
  );
  t.true(entry.user.groups?.includes('oidc:authority'));
});

test('a coordinator of the provider is refused by RBAC: they cannot declare an incident with kubectl', async (t) => {
  const kubeconfig = kubeconfigOf('koordination');
  const error = await t.throwsAsync(kubectlWithInput(kubeconfig, disasterEvent(uniqueName('refused')), 'create', '-f', '-'));
  t.regex(error.message, /forbidden: User "oidc:koordination" cannot create resource "disasterevents"/);
});
