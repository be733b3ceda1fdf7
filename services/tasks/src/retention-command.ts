/**
 * Deletes check-in records checked out more than ATTENDANCE_RETENTION_DAYS ago, event ids applied
 * more than 30 days ago and outbox rows published more than 7 days ago, then exits. The
 * check-in log has its own retention, independent of the helper's profile in registration: it is
 * the proof for the accident insurance and must outlive an erased profile. Run it daily:
 *   npm run retention -w services/tasks
 * Safe to run often and from several places at once: it only deletes what is past the period.
 */
import { ConfigError } from '@kathelfer/common/config';
import { migrate } from '@kathelfer/common/db';
import { createTasks } from './app.js';
import { loadTasksConfig } from './config.js';
import { migrations } from './migrations/index.js';

let config;
try {
  config = loadTasksConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`retention: ${error.message}\n`);
  process.exit(2);
}
const tasks = createTasks(config);
let exitCode = 0;
try {
  await migrate(tasks.sequelize, config.DATABASE_URL, config.DB_SCHEMA, migrations, tasks.logger);
  const deleted = await tasks.attendance.applyRetention(config.ATTENDANCE_RETENTION_DAYS);
  // Bookkeeping past its use. Forgetting an old event id is safe: re-applying an event changes
  // nothing, because fill is recounted and an assignment only moves to a newer event.
  const s = `"${config.DB_SCHEMA}"`;
  await tasks.sequelize.query(`DELETE FROM ${s}.processed_events WHERE processed_at < now() - interval '30 days'`);
  await tasks.sequelize.query(`DELETE FROM ${s}.outbox WHERE sent_at < now() - interval '7 days'`);
  tasks.logger.info({ deleted, retentionDays: config.ATTENDANCE_RETENTION_DAYS }, 'check-in log retention applied');
} catch (error) {
  tasks.logger.error({ err: error }, 'retention failed');
  exitCode = 1;
} finally {
  await tasks.close();
}
process.exit(exitCode);
