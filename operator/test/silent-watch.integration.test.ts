/**
 * A watch that goes silent without closing: a proxy or load balancer between the operator and the
 * API server keeps the TCP connections but passes nothing. The operator must notice within its
 * watch deadline, relist, report itself not synced while it cannot, and act on what it missed.
 */
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '@kathelfer/hack/test-env';
import type { SurgeOperator } from '../src/surge-operator.js';
import { startBlackholeProxy, type BlackholeProxy } from './blackhole-proxy.js';
import { create, createDeployment, createNamespace, deleteNamespace, disasterEvent, installCrds, kc, replicasOf, sleep, startOperator, surgePlan, untilReplicas } from './support.js';

let proxy: BlackholeProxy | undefined;
let operator: SurgeOperator | undefined;
let namespace = '';
test.before(async () => installCrds());
test.after.always(async () => {
  await operator?.shutdown();
  await proxy?.close();
  if (namespace !== '') await deleteNamespace(namespace);
});

test('GIVEN the operator\'s connections go silent WHEN an incident is declared THEN it relists within its watch deadline, is not synced while it cannot, and acts on what it missed once traffic resumes', async (t) => {
  namespace = await createNamespace('silent');
  proxy = await startBlackholeProxy(new URL(kc.getCurrentCluster()?.server ?? ''));
  const viaProxy = new k8s.KubeConfig();
  viaProxy.loadFromString(kc.exportConfig());
  const cluster = viaProxy.getCurrentCluster();
  viaProxy.clusters = viaProxy.clusters.map((c) => (c.name === cluster?.name ? { ...c, server: proxy!.url } : c));
  // watches end after 2 s (so a silent one is declared dead after 2 + 2 s), requests after 3 s;
  // the failures this test causes on purpose are not logged
  operator = await startOperator(namespace, { kubeConfig: viaProxy, watchTimeoutSeconds: 2, requestTimeoutSeconds: 3, logLevel: 'silent' });
  await createDeployment(namespace, 'web', 1);
  await create(namespace, surgePlan('web'));
  await eventually('synced', () => Promise.resolve(operator?.synced() === true ? true : undefined));

  // 1. Every open connection (the four watches, the pooled request sockets) goes silent.
  proxy.silenceOpenConnections();
  const declaredAt = Date.now();
  await create(namespace, disasterEvent('flood', { severity: 3 }));
  await untilReplicas(namespace, 'web', 4, 30_000);
  t.log(`declared while every open connection was silent: floor applied after ${((Date.now() - declaredAt) / 1000).toFixed(1)} s`);

  // 2. Everything goes silent, new connections too: the operator must say it is in doubt.
  proxy.silenceEverything();
  await eventually('not synced while nothing passes', () => Promise.resolve(operator?.synced() === false ? true : undefined), { timeoutMs: 20_000 });
  await create(namespace, disasterEvent('storm', { severity: 4 }));
  await sleep(2000);
  t.is((await replicasOf(namespace, 'web')).desired, 4, 'nothing seen, nothing done, nothing lowered');
  proxy.resume();
  const resumedAt = Date.now();
  await untilReplicas(namespace, 'web', 6, 60_000);
  t.log(`after traffic resumed: the missed incident was acted on after ${((Date.now() - resumedAt) / 1000).toFixed(1)} s`);
  await eventually('synced again', () => Promise.resolve(operator?.synced() === true ? true : undefined), { timeoutMs: 30_000 });
});
