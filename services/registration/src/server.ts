/**
 * The registration deployable: serves the API, or with the argument `retention` runs the retention
 * command once (the CronJob uses the same image and bundle).
 */
import { ConfigError } from '@kathelfer/common/config';
import { serve } from '@kathelfer/common/serve';
import { createRegistration } from './app.js';
import { loadRegistrationConfig, type RegistrationConfig } from './config.js';
import { applyRetention } from './retention-command.js';

let config: RegistrationConfig;
try {
  config = loadRegistrationConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`registration: ${error.message}\n`);
  process.exit(2);
}

if (process.argv[2] === 'retention') {
  process.exit(await applyRetention(config));
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
