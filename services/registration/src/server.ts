import { ConfigError } from '@kathelfer/common/config';
import { serve } from '@kathelfer/common/serve';
import { createRegistration } from './app.js';
import { loadRegistrationConfig } from './config.js';

let config;
try {
  config = loadRegistrationConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`registration: ${error.message}\n`);
  process.exit(2);
}
const registration = createRegistration(config);
await registration.start();
await serve({
  app: registration.app,
  port: config.PORT,
  lifecycle: registration.lifecycle,
  logger: registration.logger,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  close: () => registration.close(),
});
