import test from 'ava';
import type { AddressInfo } from 'node:net';
import { startHealthServer } from './health-server.js';
import { createMetrics } from './metrics.js';

test('/healthz answers while the process runs, /readyz only once the caches are synced, /metrics serves the operator metrics', async (t) => {
  const metrics = createMetrics();
  let ready = false;
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', ready: () => ready, registry: metrics.registry });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    t.is((await fetch(`${base}/healthz`)).status, 200);
    t.is((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
    t.is((await fetch(`${base}/readyz`)).status, 200);
    metrics.timeToSurge.observe(3.2);
    const body = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['kathelfer_operator_reconcile_duration_seconds', 'kathelfer_operator_time_to_surge_seconds_bucket', 'kathelfer_operator_target_replicas', 'kathelfer_operator_leader']) {
      t.true(body.includes(name), `${name} is exported`);
    }
    t.is((await fetch(`${base}/nope`)).status, 404);
  } finally {
    server.close();
  }
});
