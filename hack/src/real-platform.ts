import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const overlay = join(repo, 'manifests/overlays/local');

/** How fast the stand-down may go in a run that installs the platform (SurgePlan spec.scaleDown). */
export interface ScaleDown {
  stabilizationWindowSeconds: number;
  stepReplicas: number;
  stepIntervalSeconds: number;
}

/** A database on the host's PostgreSQL (it must exist) and a Redis database index for one install. */
export interface Datastores {
  database: string;
  redisDb: number;
}

/**
 * Installs manifests/overlays/local — the operator and the three services as real pods on the
 * real node — into `namespace`, so that several runs share one cluster: the operator watches only
 * that namespace (WATCH_NAMESPACES) and is bound there by a RoleBinding instead of the overlay's
 * cluster-wide binding (as manifests/base/operator/rbac.yaml says to do with --namespaces).
 * PostgreSQL and Redis are the host's (hack/node.sh expose-datastores). Needs kubectl on PATH, the
 * KUBECONFIG and KATHELFER_STATE of hack/with-env.sh. Throws with kubectl's message on failure.
 */
export async function installPlatform(namespace: string, scaleDown?: ScaleDown, datastores?: Datastores): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kathelfer-platform-'));
  try {
    // Its own database and Redis database: the pods' consumers would otherwise read the streams
    // and tables of the tests that share the host's servers.
    const generators = datastores
      ? `secretGenerator:
  - name: kathelfer-datastores
    namespace: kathelfer
    behavior: replace
    literals:
      - DATABASE_URL=postgres://kathelfer:kathelfer@postgres:5432/${datastores.database}
      - REDIS_URL=redis://redis:6379/${datastores.redisDb}
generatorOptions: {disableNameSuffixHash: true}
`
      : '';
    const patches = [
      `  - target: {kind: Deployment, name: kathelfer-operator}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: WATCH_NAMESPACES, value: ${namespace}}`,
      `  - patch: |-
      $patch: delete
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRoleBinding
      metadata: {name: kathelfer-operator}`,
    ];
    if (scaleDown) {
      patches.push(`  - target: {kind: SurgePlan}
    patch: |-
      - op: replace
        path: /spec/scaleDown
        value: ${JSON.stringify(scaleDown)}`);
    }
    await writeFile(
      join(dir, 'operator-binding.yaml'),
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: kathelfer-operator-watched}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kathelfer-operator}
subjects:
  - {kind: ServiceAccount, name: kathelfer-operator}
`,
    );
    // kustomize takes the overlay only by a relative path
    await writeFile(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${namespace}
resources:
  - ${relative(dir, overlay)}
  - operator-binding.yaml
${generators}patches:
${patches.join('\n')}
`,
    );
    // the CRDs first: the SurgePlans of the overlay need them established
    await run('kubectl', ['apply', '--server-side', '--force-conflicts', '-k', join(repo, 'crds')]);
    await run('kubectl', ['wait', '--for=condition=Established', 'crd/disasterevents.kathelfer.io', 'crd/surgeplans.kathelfer.io', '--timeout=60s']);
    await run('kubectl', ['apply', '--server-side', '--force-conflicts', '-k', dir], { maxBuffer: 1 << 24 });
    await run('bash', [join(repo, 'hack/node.sh'), 'expose-datastores', namespace]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
