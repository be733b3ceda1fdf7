import { createServiceApp, type ServiceApp } from '@kathelfer/common/app';
import { createTokenVerifier } from '@kathelfer/common/auth';
import { consumeContract } from '@kathelfer/common/contract-consumer';
import { createLogger, type Logger } from '@kathelfer/common/logger';
import type { OutboxRelay } from '@kathelfer/common/outbox';
import type { RedisClient } from '@kathelfer/common/redis';
import { createServiceRuntime } from '@kathelfer/common/runtime';
import type { Sequelize } from 'sequelize';
import { AssignmentService } from './assignment-service.js';
import type { MatchingConfig } from './config.js';
import { incidentsNeedingRound, forgetPublished } from './incident-state.js';
import { migrations } from './migrations/index.js';
import { defineModels, type Models } from './models/index.js';
import { ReadModel, type Applied } from './read-model.js';
import { RoundLock } from './round-lock.js';
import { roundFailureCounter, roundMetrics } from './round-metrics.js';
import { RoundScheduler } from './round-scheduler.js';
import { createWorkerPlanner, type WorkerPlanner } from './plan-worker.js';
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
  /** The worker threads rounds plan in. */
  planner: WorkerPlanner;
  assignments: AssignmentService;
  scheduler: RoundScheduler;
  relay: OutboxRelay;
  /** Expires due proposals and asks for rounds of incidents with unplanned changes (every SWEEP_MS). */
  sweep(): Promise<void>;
  /** Runs migrations, starts the relay, the consumers and the sweep. */
  start(): Promise<void>;
  /** Stops all of it and closes Redis and the database pool. */
  close(): Promise<void>;
}

export interface MatchingDeps {
  /** The module planning workers run (plan-worker.ts by default); tests pass a deliberately slow one. */
  planWorker?: URL;
}

/** Builds the matching service; it neither listens nor touches the database until start(). */
export function createMatching(
  config: MatchingConfig,
  logger: Logger = createLogger({ name: 'matching', level: config.LOG_LEVEL }),
  deps: MatchingDeps = {},
): Matching {
  const runtime = createServiceRuntime(config, { logger, migrations, defineModels });
  const planner = createWorkerPlanner({
    deadlineMs: config.ROUND_PLAN_DEADLINE_MS,
    graceMs: config.ROUND_PLAN_GRACE_MS,
    ...(deps.planWorker ? { script: deps.planWorker } : {}),
  });
  const { sequelize, redis, models, relay, streamPrefix } = runtime;
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
    (input, options) => planner.plan(input, options),
  );
  // Background rounds do not wait for a busy lock: the scheduler retries them.
  const scheduler = new RoundScheduler(
    (incidentId) =>
      rounds.run(incidentId, 'change', 0).catch((error: unknown) => {
        if (!(error instanceof RoundBusyError || error instanceof StaleRoundError)) roundFailures.inc();
        throw error;
      }),
    config.ROUND_DEBOUNCE_MS,
    logger,
    config.ROUND_MIN_INTERVAL_MS,
  );
  const afterCommit = (replan: string[]) => {
    relay.kick();
    for (const incidentId of replan) scheduler.schedule(incidentId);
  };
  const assignments = new AssignmentService(sequelize, config.DB_SCHEMA, models, afterCommit);
  const readModel = new ReadModel(sequelize, config.DB_SCHEMA, models, logger, { planOnNewData: config.PLAN_ON_NEW_DATA, onEvents: () => relay.kick() });
  const scheduleApplied = (applied: Applied) => {
    if (applied.urgent || config.PLAN_ON_NEW_DATA) for (const incidentId of applied.changed) scheduler.schedule(incidentId);
  };

  const serviceApp = createServiceApp({
    name: 'matching',
    version: '0.1.0',
    description: 'Proposes helpers for task shifts; helpers accept or decline, coordinators run rounds and cancel.',
    logger,
    routes: matchingRoutes({ assignments, rounds, verify: createTokenVerifier(config, logger), actionLinkSecret: config.ACTION_LINK_SECRET }),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustedProxies: config.TRUSTED_PROXIES,
    browser: config,
    ...runtime.readiness,
  });
  runtime.registerMetrics(serviceApp.metrics);
  const observeRound = roundMetrics(serviceApp.metrics);
  const roundFailures = roundFailureCounter(serviceApp.metrics);

  const consumer = {
    redis,
    sequelize,
    schema: config.DB_SCHEMA,
    streamPrefix,
    group: 'matching',
    consumer: config.CONSUMER_NAME,
    logger,
    metrics: serviceApp.metrics,
    concurrency: config.CONSUMER_CONCURRENCY,
    afterCommit: async (applied: Applied) => {
      await readModel.afterCommit(applied);
      scheduleApplied(applied);
    },
  };
  runtime.consumeInBackground('registration', () =>
    consumeContract({ ...consumer, stream: 'registration', keyOf: (event) => String(event.payload.helperId), handlers: readModel.helperHandlers() }),
  );
  runtime.consumeInBackground('tasks', () => consumeContract({ ...consumer, stream: 'tasks', keyOf: (event) => String(event.payload.taskId), handlers: readModel.taskHandlers() }));

  let lastCleanup = 0;
  const sweep = async () => {
    await assignments.expireDue();
    if (Date.now() - lastCleanup >= 3600_000) {
      lastCleanup = Date.now();
      await forgetPublished(sequelize, config.DB_SCHEMA);
    }
    for (const incidentId of await incidentsNeedingRound(sequelize, config.DB_SCHEMA)) scheduler.schedule(incidentId);
  };
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
    planner,
    assignments,
    scheduler,
    relay,
    sweep,
    async start() {
      await runtime.start();
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
      // A round still planning fails now instead of holding shutdown up to its deadline.
      await planner.close();
      await sweeping;
      // Rounds the consumers asked for finish before the relay that publishes their events stops.
      await runtime.stopConsumers();
      await scheduler.stop();
      await runtime.close();
    },
  };
}
