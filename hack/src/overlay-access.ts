/**
 * Tests that need an overlay's access rules (ServiceAccounts, Roles, bindings) but not its
 * workloads: the workloads of manifests/overlays/local run as real pods on the real node, and an
 * operator of theirs watching every namespace would act on the other tests' namespaces.
 */

/** The kinds that RBAC and `kubectl auth can-i` read. */
export const accessKinds: ReadonlySet<string> = new Set(['Namespace', 'ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/**
 * The documents of a rendered kustomization (`kubectl kustomize` output, `---`-separated) whose
 * top-level kind is one of `accessKinds`, as one YAML stream for `kubectl apply -f -`.
 */
export function accessDocuments(rendered: string): string {
  return rendered
    .split(/^---$/m)
    .filter((document) => accessKinds.has(/^kind: (\S+)$/m.exec(document)?.[1] ?? ''))
    .join('\n---\n');
}
