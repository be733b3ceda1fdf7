import type { Sequelize } from 'sequelize';
import type { Consumer } from './bus.js';
import type { BaseConfig } from './config.js';
import { createSequelize, migrate, registerPoolMetrics, type Migration } from './db.js';
import type { ReadinessCheck } from './health.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { OutboxRelay } from './outbox.js';
import { createRedis, type RedisClient } from './redis.js';

export type RuntimeConfig = Pick<
  BaseConfig,
  | 'DATABASE_URL'
  | 'DB_SCHEMA'
  | 'DB_POOL_MAX'
  | 'DB_POOL_MIN'
  | 'DB_POOL_ACQUIRE_MS'
  | 'DB_POOL_IDLE_MS'
  | 'REDIS_URL'
  | 'REDIS_PREFIX'
  | 'OUTBOX_POLL_MS'
  | 'EVENT_STREAM_RETENTION_HOURS'
>;

/**
 * What every service stands on, wired one way: the database pool, Redis, the models, the outbox
 * relay, migrations at start, event consumers started in the background, and an orderly close.
 */
export interface ServiceRuntime<M> {
  sequelize: Sequelize;
  redis: RedisClient;
  models: M;
  relay: OutboxRelay;
  /** Prefix of the event streams, `${REDIS_PREFIX}events:`. */
  streamPrefix: string;
  /** Call after a commit that wrote events, so the relay publishes at once. */
  kick: () => void;
  /** The database, and Redis: required, or with `redis: 'degradable'` reported without failing readiness. */
  readiness: { readiness: Record<string, ReadinessCheck>; degradable?: Record<string, ReadinessCheck> };
  /** Pool and outbox metrics on the service's registry. */
  registerMetrics(metrics: Metrics): void;
  /** Runs the migrations, starts the relay, then the consumers (see consumeInBackground). */
  start(): Promise<void>;
  /**
   * Consumers to start after the migrations. Redis may be away at start-up: they are retried in
   * the background until they run, rather than keeping the service from starting.
   */
  consumeInBackground(name: string, start: () => Promise<Consumer>): void;
  /** Stops the consumers (and any still being started); close() does it too. */
  stopConsumers(): Promise<void>;
  /** Stops the consumers and the relay, then closes Redis and the pool. */
  close(): Promise<void>;
}

export function createServiceRuntime<M>(
  config: RuntimeConfig,
  options: {
    logger: Logger;
    migrations: Migration[];
    defineModels: (sequelize: Sequelize, schema: string) => M;
    /** Registration goes on without Redis (the rate limit fails open, events wait in the outbox). */
    redis?: 'required' | 'degradable';
    /** The event type whose publication erases a helper's earlier stream entries (OutboxRelay `erasureType`). */
    erasureType?: string;
  },
): ServiceRuntime<M> {
  const { logger } = options;
  const sequelize = createSequelize(config);
  const redis = createRedis(config.REDIS_URL, logger);
  const models = options.defineModels(sequelize, config.DB_SCHEMA);
  const streamPrefix = `${config.REDIS_PREFIX}events:`;
  const relay = new OutboxRelay({
    sequelize,
    schema: config.DB_SCHEMA,
    redis,
    streamPrefix,
    pollMs: config.OUTBOX_POLL_MS,
    retentionMs: config.EVENT_STREAM_RETENTION_HOURS * 3600 * 1000,
    erasureType: options.erasureType,
    logger,
  });
  const database: ReadinessCheck = async () => {
    await sequelize.query('SELECT 1');
  };
  const redisCheck: ReadinessCheck = async () => {
    await redis.ping();
  };
  const readiness: ServiceRuntime<M>['readiness'] =
    options.redis === 'degradable' ? { readiness: { database }, degradable: { redis: redisCheck } } : { readiness: { database, redis: redisCheck } };

  const starters: Array<{ name: string; start: () => Promise<Consumer> }> = [];
  const consumers: Consumer[] = [];
  const starting: Array<Promise<void>> = [];
  let stopped = false;
  const keepStarting = async (name: string, start: () => Promise<Consumer>) => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        const consumer = await start();
        // Started after close() gave up waiting for it: stop it at once instead of leaking it.
        if (stopped) await consumer.stop();
        else consumers.push(consumer);
        return;
      } catch (error) {
        if (attempt % 20 === 0) logger.warn({ err: error, consumer: name, attempt }, 'event consumer could not start; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  const stopConsumers = async () => {
    stopped = true;
    // A start attempt can hang while Redis is unreachable (the client waits for a reconnect that
    // may never come); shutdown must not wait for it beyond a bound.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
    });
    await Promise.race([Promise.all(starting), bound]);
    clearTimeout(timer);
    const results = await Promise.allSettled(consumers.splice(0).map((consumer) => consumer.stop()));
    for (const result of results) if (result.status === 'rejected') logger.warn({ err: result.reason as unknown }, 'event consumer did not stop cleanly');
  };

  return {
    sequelize,
    redis,
    models,
    relay,
    streamPrefix,
    kick: () => relay.kick(),
    readiness,
    registerMetrics(metrics) {
      registerPoolMetrics(metrics, sequelize);
      relay.registerMetrics(metrics);
    },
    consumeInBackground(name, start) {
      starters.push({ name, start });
    },
    async start() {
      await migrate(sequelize, config.DATABASE_URL, config.DB_SCHEMA, options.migrations, logger);
      relay.start();
      for (const { name, start } of starters) starting.push(keepStarting(name, start));
    },
    stopConsumers,
    async close() {
      await stopConsumers();
      await relay.stop();
      if (redis.isOpen) await redis.quit().catch(() => redis.destroy());
      else redis.destroy();
      await sequelize.close();
    },
  };
}
