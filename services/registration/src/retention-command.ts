/**
 * Anonymizes the helpers of incidents that ended more than RETENTION_DAYS ago, then exits.
 * Runs as a Kubernetes CronJob (deploy/retention-cronjob.yaml) or by hand:
 *   npm run retention -w services/registration
 * Safe to run often and from several places at once: erasure is idempotent per helper.
 */
import { ConfigError } from '@kathelfer/common/config';
import { migrate } from '@kathelfer/common/db';
import { createRegistration } from './app.js';
import { loadRegistrationConfig } from './config.js';
import { migrations } from './migrations/index.js';

let config;
try {
  config = loadRegistrationConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`retention: ${error.message}\n`);
  process.exit(2);
}
const registration = createRegistration(config);
let exitCode = 0;
try {
  await migrate(registration.sequelize, config.DATABASE_URL, config.DB_SCHEMA, migrations, registration.logger);
  const anonymized = await registration.service.applyRetention(config.RETENTION_DAYS);
  // Publish the helper.erased events now if Redis is there; otherwise the service's relay will.
  let published = 0;
  try {
    for (let n = -1; n !== 0; published += n) n = await registration.relay.relayOnce();
  } catch (error) {
    registration.logger.warn({ err: error }, 'events stay in the outbox for the relay');
  }
  registration.logger.info({ anonymized, published, retentionDays: config.RETENTION_DAYS }, 'retention applied');
} catch (error) {
  registration.logger.error({ err: error }, 'retention failed');
  exitCode = 1;
} finally {
  await registration.close();
}
process.exit(exitCode);
