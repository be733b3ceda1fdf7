import { ConfigError } from '@kathelfer/common/config';
import { serve } from '@kathelfer/common/serve';
import { createTasks } from './app.js';
import { loadTasksConfig } from './config.js';

let config;
try {
  config = loadTasksConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`tasks: ${error.message}\n`);
  process.exit(2);
}
const tasks = createTasks(config);
await tasks.start();
await serve({
  app: tasks.app,
  port: config.PORT,
  lifecycle: tasks.lifecycle,
  logger: tasks.logger,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  close: () => tasks.close(),
});
