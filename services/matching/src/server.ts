import { ConfigError } from '@kathelfer/common/config';
import { serve } from '@kathelfer/common/serve';
import { createMatching } from './app.js';
import { loadMatchingConfig } from './config.js';
import { isPlanWorker } from './plan-worker.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadMatchingConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`matching: ${error.message}\n`);
    process.exit(2);
  }
  const matching = createMatching(config);
  await matching.start();
  await serve({
    app: matching.app,
    port: config.PORT,
    lifecycle: matching.lifecycle,
    logger: matching.logger,
    drainMs: config.SHUTDOWN_DRAIN_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: () => matching.close(),
  });
}

// In the bundle, planning workers run this same file (plan-worker.ts): they only plan.
if (!isPlanWorker) await main();
