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
  // Registrations go on without Redis: events wait in the outbox, the rate limit fails open.
  const runtime = createServiceRuntime(config, { logger, migrations, defineModels, redis: 'degradable', erasureType: 'helper.erased' });
  const { sequelize, redis, models, relay } = runtime;
  const service = new HelperService(sequelize, config.DB_SCHEMA, models, runtime.kick);
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

  return {
    ...serviceApp,
    config,
    logger,
    sequelize,
    redis,
    models,
    service,
    relay,
    start: () => runtime.start(),
    close: () => runtime.close(),
  };
}
