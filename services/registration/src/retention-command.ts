/**
 * Anonymizes the helpers of incidents that ended more than RETENTION_DAYS ago, then exits.
 * Runs as a Kubernetes CronJob (`server.js retention`, deploy/retention-cronjob.yaml) or by hand:
 *   npm run retention -w services/registration
 * Safe to run often and from several places at once: erasure is idempotent per helper.
 */
import { migrate } from '@kathelfer/common/db';
import { createRegistration } from './app.js';
import type { RegistrationConfig } from './config.js';
import { migrations } from './migrations/index.js';

/** Returns the process exit code. */
export async function applyRetention(config: RegistrationConfig): Promise<number> {
  const registration = createRegistration(config);
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
    return 0;
  } catch (error) {
    registration.logger.error({ err: error }, 'retention failed');
    return 1;
  } finally {
    await registration.close();
  }
}
