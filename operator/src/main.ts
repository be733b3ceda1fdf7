import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startHealthServer } from './runtime/health-server.js';
import { createMetrics } from './runtime/metrics.js';
import { SurgeOperator } from './surge-operator.js';

const config = (() => {
  try {
    return loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`kathelfer-operator: ${(error as Error).message}\n`);
    process.exit(2);
  }
})();
const logger = pino({ name: 'kathelfer-operator', level: config.logLevel });
const metrics = createMetrics();
const operator = new SurgeOperator(config, logger, metrics);
const server = await startHealthServer({ port: config.metricsPort, host: config.metricsHost, ready: () => operator.synced(), registry: metrics.registry });
logger.info({ dryRun: config.dryRun, leaderElection: config.leaderElection, identity: config.identity, metricsPort: config.metricsPort }, 'starting');
await operator.start();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: releasing the leader Lease so the other replica takes over at once');
    void operator.shutdown().finally(() => server.close(() => process.exit(0)));
  });
}
