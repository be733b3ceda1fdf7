import { createServiceApp, type ServiceApp } from '@kathelfer/common/app';
import { createTokenVerifier } from '@kathelfer/common/auth';
import { createLogger, type Logger } from '@kathelfer/common/logger';
import type { OutboxRelay } from '@kathelfer/common/outbox';
import type { RedisClient } from '@kathelfer/common/redis';
import { createServiceRuntime } from '@kathelfer/common/runtime';
import type { Sequelize } from 'sequelize';
import type { RegistrationConfig } from './config.js';
import { HelperService } from './helper-service.js';
import { migrations } from './migrations/index.js';
import { defineModels, type Models } from './models/index.js';
import { registrationLimits } from './limits.js';
import { registrationRoutes } from './routes.js';
import { consumeForNotifications } from './notifications/consumers.js';
import { emailChannel } from './notifications/email-channel.js';
import { pushChannel } from './notifications/push-channel.js';
import { NotificationQueue } from './notifications/queue.js';

export interface Registration extends ServiceApp {
  config: RegistrationConfig;
  logger: Logger;
  sequelize: Sequelize;
  redis: RedisClient;
  models: Models;
  service: HelperService;
  relay: OutboxRelay;
  notifications: NotificationQueue;
  /** Runs migrations and starts the outbox relay, the notification worker and its consumers. */
  start(): Promise<void>;
  /** Stops the relay and closes Redis and the database pool. */
  close(): Promise<void>;
}

/** Builds the registration service; it neither listens nor touches the database until start(). */
export function createRegistration(config: RegistrationConfig, logger: Logger = createLogger({ name: 'registration', level: config.LOG_LEVEL })): Registration {
  // Registrations go on without Redis: events wait in the outbox, the rate limit fails open.
  const runtime = createServiceRuntime(config, { logger, migrations, defineModels, redis: 'degradable', erasureType: 'helper.erased' });
  const { sequelize, redis, models, relay } = runtime;
  const notifications = new NotificationQueue({
    sequelize,
    schema: config.DB_SCHEMA,
    logger: logger.child({ component: 'notifications' }),
    channels: [
      emailChannel({ url: config.SMTP_URL, from: config.MAIL_FROM, maxConnections: config.SMTP_MAX_CONNECTIONS }),
      pushChannel({ publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT }),
    ],
    webUrl: config.PUBLIC_WEB_URL ?? config.PUBLIC_REGISTRATION_URL,
    actionLinkSecret: config.ACTION_LINK_SECRET,
    maxPerHour: config.NOTIFY_MAX_PER_HOUR,
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    pollMs: config.NOTIFY_POLL_MS,
    batchSize: config.NOTIFY_BATCH_SIZE,
    batchesInFlight: config.NOTIFY_BATCHES_IN_FLIGHT,
    retentionDays: config.NOTIFY_LOG_RETENTION_DAYS,
    timeZone: config.NOTIFY_TIME_ZONE,
  });
  const kickNotifications = () => notifications.kick();
  const service = new HelperService(sequelize, config.DB_SCHEMA, models, runtime.kick, {
    queue: notifications,
    kick: kickNotifications,
    retentionDays: config.RETENTION_DAYS,
    vapidPublicKey: config.VAPID_PUBLIC_KEY,
    production: config.KATHELFER_ENVIRONMENT === 'production',
  });
  const routes = registrationRoutes({
    service,
    verify: createTokenVerifier(config, logger),
    limits: registrationLimits(redis, config),
  });
  const serviceApp = createServiceApp({
    name: 'registration',
    version: '0.1.0',
    description: 'Spontaneous volunteers register, manage and erase their data; coordinators find them.',
    logger,
    routes,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    browser: config,
    ...runtime.readiness,
  });
  runtime.registerMetrics(serviceApp.metrics);
  notifications.registerMetrics(serviceApp.metrics);
  runtime.consumeInBackground('notifications', async () => {
    const consumers = await consumeForNotifications(
      { sequelize, schema: config.DB_SCHEMA, queue: notifications, reminderLeadMs: config.NOTIFY_REMINDER_LEAD_MINUTES * 60_000 },
      { redis, streamPrefix: runtime.streamPrefix, consumer: config.CONSUMER_NAME, logger, metrics: serviceApp.metrics, blockMs: 1_000, onQueued: kickNotifications },
    );
    return { stop: async () => void (await Promise.all(consumers.map((c) => c.stop()))) };
  });

  return {
    ...serviceApp,
    config,
    logger,
    sequelize,
    redis,
    models,
    service,
    relay,
    notifications,
    async start() {
      await runtime.start();
      notifications.start();
    },
    async close() {
      await notifications.stop();
      await runtime.close();
    },
  };
}
