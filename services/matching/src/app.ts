import { createServiceApp, type ServiceApp } from '@kathelfer/common/app';
import { createTokenVerifier } from '@kathelfer/common/auth';
import { consumeEvents, type BusEvent, type Consumer } from '@kathelfer/common/bus';
import { createSequelize, migrate, registerPoolMetrics } from '@kathelfer/common/db';
import { createLogger, type Logger } from '@kathelfer/common/logger';
import { OutboxRelay } from '@kathelfer/common/outbox';
import { createRedis, type RedisClient } from '@kathelfer/common/redis';
import type { Sequelize } from 'sequelize';
import { AssignmentService } from './assignment-service.js';
import type { MatchingConfig } from './config.js';
import { eventsNeedingRound, forgetPublished } from './event-state.js';
import { migrations } from './migrations/index.js';
import { defineModels, type Models } from './models/index.js';
import { ReadModel, type Applied } from './read-model.js';
import { RoundLock } from './round-lock.js';
import { roundFailureCounter, roundMetrics } from './round-metrics.js';
import { RoundScheduler } from './round-scheduler.js';
import { RoundBusyError, RoundService, StaleRoundError } from './rounds.js';
import { matchingRoutes } from './routes.js';

export interface Matching extends ServiceApp {
  config: MatchingConfig;
  logger: Logger;
  sequelize: Sequelize;
  redis: RedisClient;
  models: Models;
  readModel: ReadModel;
  rounds: RoundService;
  assignments: AssignmentService;
  scheduler: RoundScheduler;
  relay: OutboxRelay;
  /** Expires due proposals and asks for rounds of events with unplanned changes (every SWEEP_MS). */
  sweep(): Promise<void>;
  /** Runs migrations, starts the relay, the consumers and the sweep. */
  start(): Promise<void>;
  /** Stops all of it and closes Redis and the database pool. */
  close(): Promise<void>;
}

/** Builds the matching service; it neither listens nor touches the database until start(). */
export function createMatching(config: MatchingConfig, logger: Logger = createLogger({ name: 'matching', level: config.LOG_LEVEL })): Matching {
  const sequelize = createSequelize(config);
  const redis = createRedis(config.REDIS_URL, logger);
  const models = defineModels(sequelize, config.DB_SCHEMA);
  const streamPrefix = `${config.REDIS_PREFIX}events:`;
  const relay = new OutboxRelay({ sequelize, schema: config.DB_SCHEMA, redis, streamPrefix, pollMs: config.OUTBOX_POLL_MS, logger });
  const rounds = new RoundService(
    sequelize,
    config.DB_SCHEMA,
    models,
    new RoundLock(redis, config.REDIS_PREFIX, config.ROUND_LOCK_TTL_MS),
    {
      proposalTtlSeconds: config.PROPOSAL_TTL_SECONDS,
      restHours: config.REST_HOURS,
      searchIterations: config.SEARCH_ITERATIONS,
      lockWaitMs: config.ROUND_LOCK_WAIT_MS,
    },
    logger,
    () => relay.kick(),
    (stats) => observeRound(stats),
  );
  // Background rounds do not wait for a busy lock: the scheduler retries them.
  const scheduler = new RoundScheduler(
    (eventId) =>
      rounds.run(eventId, 'change', 0).catch((error: unknown) => {
        if (!(error instanceof RoundBusyError || error instanceof StaleRoundError)) roundFailures.inc();
        throw error;
      }),
    config.ROUND_DEBOUNCE_MS,
    logger,
    config.ROUND_MIN_INTERVAL_MS,
  );
  const afterCommit = (replan: string[]) => {
    relay.kick();
    for (const eventId of replan) scheduler.schedule(eventId);
  };
  const assignments = new AssignmentService(sequelize, config.DB_SCHEMA, models, afterCommit);
  const readModel = new ReadModel(sequelize, config.DB_SCHEMA, models, logger, { planOnNewData: config.PLAN_ON_NEW_DATA, onEvents: () => relay.kick() });
  const scheduleApplied = (applied: Applied) => {
    if (applied.urgent || config.PLAN_ON_NEW_DATA) for (const eventId of applied.changed) scheduler.schedule(eventId);
  };

  const serviceApp = createServiceApp({
    name: 'matching',
    version: '0.1.0',
    description: 'Proposes helpers for task shifts; helpers accept or decline, coordinators run rounds and cancel.',
    logger,
    routes: matchingRoutes({ assignments, rounds, verify: createTokenVerifier(config) }),
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
  const observeRound = roundMetrics(serviceApp.metrics);
  const roundFailures = roundFailureCounter(serviceApp.metrics);
  relay.registerMetrics(serviceApp.metrics);

  let lastCleanup = 0;
  const sweep = async () => {
    await assignments.expireDue();
    if (Date.now() - lastCleanup >= 3600_000) {
      lastCleanup = Date.now();
      await forgetPublished(sequelize, config.DB_SCHEMA);
    }
    for (const eventId of await eventsNeedingRound(sequelize, config.DB_SCHEMA)) scheduler.schedule(eventId);
  };
  let consumers: Consumer[] = [];
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();

  return {
    ...serviceApp,
    config,
    logger,
    sequelize,
    redis,
    models,
    readModel,
    rounds,
    assignments,
    scheduler,
    relay,
    sweep,
    async start() {
      await migrate(sequelize, config.DATABASE_URL, config.DB_SCHEMA, migrations, logger);
      relay.start();
      const consume = (stream: string, key: string, handle: (event: BusEvent) => Promise<Applied>) =>
        consumeEvents({
          redis,
          stream: `${streamPrefix}${stream}`,
          group: 'matching',
          consumer: config.CONSUMER_NAME,
          dedupPrefix: `${config.REDIS_PREFIX}dedup:`,
          logger,
          keyOf: (event) => String(event.payload[key]),
          concurrency: config.CONSUMER_CONCURRENCY,
          handle: async (event) => scheduleApplied(await handle(event)),
        });
      consumers = await Promise.all([
        consume(config.REGISTRATION_STREAM, 'helperId', (e) => readModel.applyHelperEvent(e)),
        consume(config.TASKS_STREAM, 'taskId', (e) => readModel.applyTaskEvent(e)),
      ]);
      let busy = false;
      sweepTimer = setInterval(() => {
        // A sweep slower than the interval (a surge's expiry backlog) is not started twice.
        if (busy) return;
        busy = true;
        sweeping = sweep()
          .catch((error: unknown) => logger.warn({ err: error }, 'sweep failed; retrying at the next'))
          .finally(() => {
            busy = false;
          });
      }, config.SWEEP_MS);
    },
    async close() {
      clearInterval(sweepTimer);
      await sweeping;
      await Promise.all(consumers.map((c) => c.stop()));
      await scheduler.stop();
      await relay.stop();
      if (redis.isOpen) await redis.quit().catch(() => redis.destroy());
      else redis.destroy();
      await sequelize.close();
    },
  };
}
