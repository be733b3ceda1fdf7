import type { Metrics } from '@kathelfer/common/metrics';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { RoundStats } from './round-stats.js';

/** What on-call needs to see of planning: how long rounds take, how much they propose, how full incidents are. */
export function roundMetrics(metrics: Metrics): (stats: RoundStats) => void {
  const registers = [metrics.registry];
  const duration = new Histogram({
    name: 'matching_round_duration_seconds',
    help: 'Planning rounds that wrote their result, by what triggered them',
    labelNames: ['trigger'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const proposals = new Counter({ name: 'matching_proposals_total', help: 'Proposals made by planning rounds', registers });
  const fill = new Gauge({ name: 'matching_fill_ratio', help: 'Filled over demanded slots after the last round, by incident', labelNames: ['incident_id'] as const, registers });
  return (stats) => {
    duration.observe({ trigger: stats.trigger.startsWith('coordinator') ? 'coordinator' : stats.trigger }, stats.runTimeMs / 1000);
    proposals.inc(stats.proposed);
    fill.set({ incident_id: stats.incidentId }, stats.fill);
  };
}

/** Background rounds that failed for another reason than a busy or stale lock (those are retried as a matter of course). */
export function roundFailureCounter(metrics: Metrics): Counter {
  return new Counter({ name: 'matching_round_failures_total', help: 'Planning rounds that failed (not lock contention); each is retried', registers: [metrics.registry] });
}
