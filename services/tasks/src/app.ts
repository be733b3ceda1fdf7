import { createServiceApp, type ServiceApp } from '@kathelfer/common/app';
import { createTokenVerifier } from '@kathelfer/common/auth';
import type { Consumer } from '@kathelfer/common/bus';
import { createSequelize, migrate, registerPoolMetrics } from '@kathelfer/common/db';
import { createLogger, type Logger } from '@kathelfer/common/logger';
import { OutboxRelay } from '@kathelfer/common/outbox';
import { createRedis, type RedisClient } from '@kathelfer/common/redis';
import type { Sequelize } from 'sequelize';
import { consumeAssignments } from './assignment-consumer.js';
import { AttendanceService } from './attendance-service.js';
import { consumeHelperTokens, HelperTokens } from './helper-tokens.js';
import type { TasksConfig } from './config.js';
import { migrations } from './migrations/index.js';
import { defineModels, type Models } from './models/index.js';
import { taskRoutes } from './routes.js';
import { TaskService } from './task-service.js';

export interface Tasks extends ServiceApp {
  config: TasksConfig;
  logger: Logger;
  sequelize: Sequelize;
  redis: RedisClient;
  models: Models;
  tasks: TaskService;
  attendance: AttendanceService;
  helperTokens: HelperTokens;
  relay: OutboxRelay;
  /** Runs migrations, starts the outbox relay and the assignment consumer. */
  start(): Promise<void>;
  /** Stops the consumer and the relay and closes Redis and the database pool. */
  close(): Promise<void>;
}

/** Builds the task service; it neither listens nor touches the database until start(). */
export function createTasks(config: TasksConfig, logger: Logger = createLogger({ name: 'tasks', level: config.LOG_LEVEL })): Tasks {
  const sequelize = createSequelize(config);
  const redis = createRedis(config.REDIS_URL, logger);
  const models = defineModels(sequelize, config.DB_SCHEMA);
  const relay = new OutboxRelay({
    sequelize,
    schema: config.DB_SCHEMA,
    redis,
    streamPrefix: `${config.REDIS_PREFIX}events:`,
    pollMs: config.OUTBOX_POLL_MS,
    logger,
  });
  const kick = () => relay.kick();
  const tasks = new TaskService(sequelize, config.DB_SCHEMA, models, kick);
  const attendance = new AttendanceService(
    sequelize,
    config.DB_SCHEMA,
    models,
    { secret: config.CHECKIN_SECRET, earlyMinutes: config.CHECKIN_EARLY_MINUTES, graceMinutes: config.CHECKIN_GRACE_MINUTES },
    kick,
  );
  const helperTokens = new HelperTokens(sequelize, config.DB_SCHEMA);
  const serviceApp = createServiceApp({
    name: 'tasks',
    version: '0.1.0',
    description: 'Coordinators post sites and tasks; fill follows the assignments; sites check helpers in and out.',
    logger,
    routes: taskRoutes({ tasks, attendance, helperTokens, verify: createTokenVerifier(config) }),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    browser: config,
    readiness: {
      database: async () => {
        await sequelize.query('SELECT 1');
      },
      redis: async () => {
        await redis.ping();
      },
    },
  });
  registerPoolMetrics(serviceApp.metrics, sequelize);
  relay.registerMetrics(serviceApp.metrics);

  let consumer: Consumer | undefined;
  let tokenConsumer: Consumer | undefined;
  let stopped = false;
  let consuming: Promise<void> | undefined;
  // Redis may be away at start-up: keep trying in the background rather than refusing to start.
  const startConsumer = async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        consumer ??= await consumeAssignments({
          sequelize,
          schema: config.DB_SCHEMA,
          models,
          redis,
          stream: `${config.REDIS_PREFIX}events:${config.ASSIGNMENT_STREAM}`,
          consumer: config.CONSUMER_NAME,
          logger,
          onEvents: kick,
          blockMs: 1_000,
          reclaimIdleMs: config.CONSUMER_CLAIM_IDLE_MS,
        });
        tokenConsumer ??= await consumeHelperTokens({
          helperTokens,
          redis,
          stream: `${config.REDIS_PREFIX}events:${config.REGISTRATION_STREAM}`,
          consumer: config.CONSUMER_NAME,
          logger,
          blockMs: 1_000,
          reclaimIdleMs: config.CONSUMER_CLAIM_IDLE_MS,
        });
        if (stopped) await Promise.all([consumer.stop(), tokenConsumer.stop()]);
        return;
      } catch (error) {
        if (attempt % 20 === 0) logger.warn({ err: error }, 'event consumers could not start; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  return {
    ...serviceApp,
    config,
    logger,
    sequelize,
    redis,
    models,
    tasks,
    attendance,
    helperTokens,
    relay,
    async start() {
      await migrate(sequelize, config.DATABASE_URL, config.DB_SCHEMA, migrations, logger);
      relay.start();
      consuming = startConsumer();
    },
    async close() {
      stopped = true;
      await consuming;
      await consumer?.stop();
      await tokenConsumer?.stop();
      await relay.stop();
      if (redis.isOpen) await redis.quit().catch(() => redis.destroy());
      else redis.destroy();
      await sequelize.close();
    },
  };
}
