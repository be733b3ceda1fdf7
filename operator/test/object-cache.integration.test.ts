/** The operator's list-and-watch cache against the real API server. */
import test from 'ava';
import type * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { eventually } from '@kathelfer/hack/test-env';
import { objectCache } from '../src/kube/object-cache.js';
import { projectDeployment } from '../src/kube/projections.js';
import { apps, createDeployment, createNamespace, deleteNamespace, kc, scaleDeployment } from './support.js';

const namespaces: string[] = [];
test.after.always(async () => Promise.all(namespaces.map(deleteNamespace)));

function cacheOf(namespace: string, pageSize: number) {
  return objectCache<k8s.V1Deployment>({
    kubeConfig: kc, path: `/apis/apps/v1/namespaces/${namespace}/deployments`, project: projectDeployment, pageSize,
    onChange: () => undefined, onSynced: () => undefined, watchTimeoutSeconds: 5, livenessGraceSeconds: 2, listTimeoutMs: 10_000,
    logger: pino({ level: 'silent' }),
  });
}

test('GIVEN more objects than one page holds THEN the cache lists every page, and keeps only what the planner reads', async (t) => {
  const ns = await createNamespace('cache-pages');
  namespaces.push(ns);
  for (let i = 0; i < 5; i++) await createDeployment(ns, `d${i}`, 1);
  const cache = cacheOf(ns, 2);
  try {
    await eventually('synced', () => Promise.resolve(cache.synced() ? true : undefined));
    t.deepEqual(cache.list(ns).map((d) => d.metadata?.name).sort(), ['d0', 'd1', 'd2', 'd3', 'd4']);
    const one = cache.list(ns)[0];
    t.is(one?.metadata?.managedFields, undefined);
    t.deepEqual(one?.spec?.template, {}, 'the pod template is not kept');
  } finally {
    await cache.stop();
  }
});

test('GIVEN the operator observed its own write WHEN an older version arrives from the watch THEN the cache keeps the newer one', async (t) => {
  const ns = await createNamespace('cache-order');
  namespaces.push(ns);
  await createDeployment(ns, 'web', 1);
  const cache = cacheOf(ns, 500);
  try {
    await eventually('synced', () => Promise.resolve(cache.synced() ? true : undefined));
    const old = structuredClone(cache.list(ns)[0]!);
    await scaleDeployment(ns, 'web', 3);
    const written = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    cache.observe(written);
    t.is(cache.list(ns)[0]?.spec?.replicas, 3);
    cache.observe(old);
    t.is(cache.list(ns)[0]?.spec?.replicas, 3, 'an older resourceVersion does not roll the view back');
  } finally {
    await cache.stop();
  }
});

test('GIVEN an object deleted WHEN the answer to the operator\'s last write to it arrives afterwards THEN the cache does not bring it back', async (t) => {
  const ns = await createNamespace('cache-deleted');
  namespaces.push(ns);
  await createDeployment(ns, 'web', 1);
  const cache = cacheOf(ns, 500);
  try {
    await eventually('synced', () => Promise.resolve(cache.synced() ? true : undefined));
    await scaleDeployment(ns, 'web', 2);
    const written = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns });
    await eventually('deletion seen', () => Promise.resolve(cache.list(ns).length === 0 ? true : undefined));
    cache.observe(written);
    t.deepEqual(cache.list(ns), []);
  } finally {
    await cache.stop();
  }
});
