import { createServiceApp, type ServiceApp } from '@kathelfer/common/app';
import { createTokenVerifier } from '@kathelfer/common/auth';
import { createSequelize, migrate, registerPoolMetrics } from '@kathelfer/common/db';
import { createLogger, type Logger } from '@kathelfer/common/logger';
import { OutboxRelay } from '@kathelfer/common/outbox';
import { rateLimit } from '@kathelfer/common/rate-limit';
import { createRedis, type RedisClient } from '@kathelfer/common/redis';
import type { Sequelize } from 'sequelize';
import type { RegistrationConfig } from './config.js';
import { HelperService } from './helper-service.js';
import { migrations } from './migrations/index.js';
import { defineModels, type Models } from './models/index.js';
import { registrationRoutes } from './routes.js';

export interface Registration extends ServiceApp {
  config: RegistrationConfig;
  logger: Logger;
  sequelize: Sequelize;
  redis: RedisClient;
  models: Models;
  service: HelperService;
  relay: OutboxRelay;
  /** Runs migrations and starts the outbox relay. */
  start(): Promise<void>;
  /** Stops the relay and closes Redis and the database pool. */
  close(): Promise<void>;
}

/** Builds the registration service; it neither listens nor touches the database until start(). */
export function createRegistration(config: RegistrationConfig, logger: Logger = createLogger({ name: 'registration', level: config.LOG_LEVEL })): Registration {
  const sequelize = createSequelize(config);
  const redis = createRedis(config.REDIS_URL, logger);
  const models = defineModels(sequelize, config.DB_SCHEMA);
  const relay = new OutboxRelay({
    sequelize,
    schema: config.DB_SCHEMA,
    redis,
    streamPrefix: `${config.REDIS_PREFIX}events:`,
    pollMs: config.OUTBOX_POLL_MS,
    retentionMs: config.EVENT_STREAM_RETENTION_HOURS * 3600 * 1000,
    logger,
  });
  const service = new HelperService(sequelize, config.DB_SCHEMA, models, () => relay.kick());
  const routes = registrationRoutes({
    service,
    verify: createTokenVerifier(config),
    rateLimit: rateLimit({
      redis,
      prefix: `${config.REDIS_PREFIX}ratelimit:registration:`,
      limit: config.RATE_LIMIT_REGISTRATIONS,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      logger,
    }),
  });
  const serviceApp = createServiceApp({
    name: 'registration',
    version: '0.1.0',
    description: 'Spontaneous volunteers register, manage and erase their data; coordinators find them.',
    logger,
    routes,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    browser: config,
    readiness: {
      database: async () => {
        await sequelize.query('SELECT 1');
      },
    },
    // Registrations go on without Redis: events wait in the outbox, the rate limit fails open.
    degradable: {
      redis: async () => {
        await redis.ping();
      },
    },
  });
  registerPoolMetrics(serviceApp.metrics, sequelize);
  relay.registerMetrics(serviceApp.metrics);

  return {
    ...serviceApp,
    config,
    logger,
    sequelize,
    redis,
    models,
    service,
    relay,
    async start() {
      await migrate(sequelize, config.DATABASE_URL, config.DB_SCHEMA, migrations, logger);
      relay.start();
    },
    async close() {
      await relay.stop();
      if (redis.isOpen) await redis.quit().catch(() => redis.destroy());
      else redis.destroy();
      await sequelize.close();
    },
  };
}
