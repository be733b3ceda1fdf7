import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The operator's Prometheus metrics, on one registry served at /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kathelfer_operator_' });
  return {
    registry,
    reconcileDuration: new Histogram({
      name: 'kathelfer_operator_reconcile_duration_seconds',
      help: 'Time to reconcile one namespace, from reading the cache to the last write.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'kathelfer_operator_reconcile_errors_total',
      help: 'Reconciles that failed and were retried.',
      registers: [registry],
    }),
    scaleActions: new Counter({
      name: 'kathelfer_operator_scale_actions_total',
      help: 'Patches applied to targets.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    activeEvents: new Gauge({
      name: 'kathelfer_operator_active_disaster_events',
      help: 'Active DisasterEvents by severity.',
      labelNames: ['namespace', 'severity'],
      registers: [registry],
    }),
    targetReplicas: new Gauge({
      name: 'kathelfer_operator_target_replicas',
      help: 'Replicas per target: the floor held, what the Deployment asks for, and how many are ready.',
      labelNames: ['namespace', 'target', 'kind'],
      registers: [registry],
    }),
    timeToSurge: new Histogram({
      name: 'kathelfer_operator_time_to_surge_seconds',
      help: 'From a DisasterEvent becoming active until every target had its surge floor ready.',
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers: [registry],
    }),
    eventReady: new Gauge({
      name: 'kathelfer_operator_disaster_event_ready',
      help: 'Per active DisasterEvent: 1 when every service has its surge floor of ready replicas, 0 while surging.',
      labelNames: ['namespace', 'event'],
      registers: [registry],
    }),
    isLeader: new Gauge({
      name: 'kathelfer_operator_leader',
      help: '1 while this replica holds the leader Lease.',
      registers: [registry],
    }),
    cacheSynced: new Gauge({
      name: 'kathelfer_operator_cache_synced',
      help: '1 while the cache of a kind is current (listed since its last reconnect, watch alive); 0 while the operator is in doubt and lowers nothing.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'kathelfer_operator_queue_depth',
      help: 'Namespaces waiting to be reconciled.',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
