import test from 'ava';
import { loadConfig } from './config.js';

test('defaults work in a Pod: leader election on, metrics on 8080, all namespaces', (t) => {
  const c = loadConfig([], { POD_NAME: 'op-0', POD_NAMESPACE: 'kathelfer' });
  t.like(c, { concurrency: 16, dryRun: false, leaderElection: true, leaseNamespace: 'kathelfer', identity: 'op-0', metricsPort: 8080, watchNamespaces: [], maxReplicas: 100, watchTimeoutSeconds: 60, requestTimeoutSeconds: 30 });
});

test('flags win over environment variables', (t) => {
  const c = loadConfig(['--dry-run', '--namespaces=a, b', '--metrics-port=9090'], { METRICS_PORT: '1', WATCH_NAMESPACES: 'c' });
  t.like(c, { dryRun: true, metricsPort: 9090, watchNamespaces: ['a', 'b'] });
});

test('a bad value is refused with a message naming the flag', (t) => {
  t.throws(() => loadConfig(['--metrics-port=http'], {}), { message: /--metrics-port .* must be a whole number from 0 to 65535, got "http"/ });
  t.throws(() => loadConfig(['--leader-elect=maybe'], {}), { message: /--leader-elect must be true or false/ });
  t.throws(() => loadConfig(['--no-such-flag'], {}), { message: /no-such-flag/ });
});
