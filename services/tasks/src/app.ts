import { createServiceApp, type ServiceApp } from '@kathelfer/common/app';
import { createTokenVerifier } from '@kathelfer/common/auth';
import { createLogger, type Logger } from '@kathelfer/common/logger';
import type { OutboxRelay } from '@kathelfer/common/outbox';
import type { RedisClient } from '@kathelfer/common/redis';
import { createServiceRuntime } from '@kathelfer/common/runtime';
import type { Sequelize } from 'sequelize';
import { consumeContract } from '@kathelfer/common/contract-consumer';
import { assignmentHandlers } from './assignment-consumer.js';
import { AttendanceService } from './attendance-service.js';
import { HelperTokens } from './helper-tokens.js';
import type { TasksConfig } from './config.js';
import { migrations } from './migrations/index.js';
import { defineModels, type Models } from './models/index.js';
import { serviceRoutes } from './routes/index.js';
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
  const runtime = createServiceRuntime(config, { logger, migrations, defineModels });
  const { sequelize, redis, models, relay, kick } = runtime;
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
    routes: serviceRoutes({ tasks, attendance, helperTokens, verify: createTokenVerifier(config, logger) }),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    browser: config,
    ...runtime.readiness,
  });
  runtime.registerMetrics(serviceApp.metrics);

  const consumer = {
    redis,
    sequelize,
    schema: config.DB_SCHEMA,
    streamPrefix: runtime.streamPrefix,
    group: 'tasks',
    consumer: config.CONSUMER_NAME,
    logger,
    metrics: serviceApp.metrics,
    blockMs: 1_000,
    reclaimIdleMs: config.CONSUMER_CLAIM_IDLE_MS,
  };
  const unknownTask = (event: { assignmentId: string; taskId: string }) => logger.warn(event, 'assignment event for a task this service does not know');
  runtime.consumeInBackground('assignments', () =>
    consumeContract({
      ...consumer,
      stream: 'matching',
      handlers: assignmentHandlers(sequelize, config.DB_SCHEMA, models, unknownTask),
      // a changed fill is a task.updated in the outbox: publish it now
      afterCommit: (outcome) => {
        if (outcome === 'applied') kick();
      },
    }),
  );
  runtime.consumeInBackground('helper tokens', () => consumeContract({ ...consumer, stream: 'registration', handlers: helperTokens.handlers() }));

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
    start: () => runtime.start(),
    close: () => runtime.close(),
  };
}
