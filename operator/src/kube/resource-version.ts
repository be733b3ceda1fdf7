/**
 * Whether resourceVersion `a` is newer than `b`. Kubernetes calls resourceVersions opaque, but
 * kube-apiserver serves etcd's revision as a decimal integer, which only grows; when both parse as
 * such they are compared, so a watch event that arrives after the operator's own write (and is
 * older) cannot roll the cache back. Anything else counts as newer: the later arrival wins.
 */
export function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return a !== b;
  return BigInt(a) > BigInt(b);
}
