import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

/** Flags win over environment variables; every value has a default that works in a Pod. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'dry-run': { type: 'boolean', default: env.DRY_RUN === 'true' },
      'leader-elect': { type: 'string', default: env.LEADER_ELECT ?? 'true' },
      'lease-namespace': { type: 'string', default: env.POD_NAMESPACE ?? 'default' },
      'lease-name': { type: 'string', default: env.LEASE_NAME ?? 'kathelfer-operator' },
      'metrics-port': { type: 'string', default: env.METRICS_PORT ?? '8080' },
      'metrics-host': { type: 'string', default: env.METRICS_HOST ?? '0.0.0.0' },
      'resync-seconds': { type: 'string', default: env.RESYNC_SECONDS ?? '60' },
      'log-level': { type: 'string', default: env.LOG_LEVEL ?? 'info' },
      namespaces: { type: 'string', default: env.WATCH_NAMESPACES ?? '' },
      concurrency: { type: 'string', default: env.CONCURRENCY ?? '16' },
      'max-replicas': { type: 'string', default: env.MAX_REPLICAS ?? '100' },
      'watch-timeout-seconds': { type: 'string', default: env.WATCH_TIMEOUT_SECONDS ?? '60' },
      'request-timeout-seconds': { type: 'string', default: env.REQUEST_TIMEOUT_SECONDS ?? '30' },
    },
    strict: true,
  });
  const int = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} (or its environment variable) must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const leaderElect = values['leader-elect'];
  if (leaderElect !== 'true' && leaderElect !== 'false') throw new Error(`--leader-elect must be true or false, got "${leaderElect}"`);
  return {
    dryRun: values['dry-run'],
    leaderElection: leaderElect === 'true',
    leaseNamespace: values['lease-namespace'],
    leaseName: values['lease-name'],
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    metricsPort: int('metrics-port', values['metrics-port'], 0, 65535),
    metricsHost: values['metrics-host'],
    resyncSeconds: int('resync-seconds', values['resync-seconds'], 5, 3600),
    logLevel: values['log-level'],
    concurrency: int('concurrency', values.concurrency, 1, 64),
    maxReplicas: int('max-replicas', values['max-replicas'], 1, 10000),
    watchTimeoutSeconds: int('watch-timeout-seconds', values['watch-timeout-seconds'], 1, 1800),
    requestTimeoutSeconds: int('request-timeout-seconds', values['request-timeout-seconds'], 1, 300),
    watchNamespaces: values.namespaces.split(',').map((n) => n.trim()).filter((n) => n !== ''),
  };
}
