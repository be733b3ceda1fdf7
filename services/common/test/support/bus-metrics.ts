import type { Metrics } from '../../src/metrics.js';

/** How many events `bus_events_total` counted with this outcome (`applied`, `duplicate`, `dead_letter`, …), over all streams and types. */
export async function busEventsCounted(metrics: Metrics, outcome: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric('bus_events_total')?.get())?.values ?? [];
  return values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
}
