import pg from 'pg';
import { Sequelize } from 'sequelize';
import { Umzug, SequelizeStorage, type RunnableMigration } from 'umzug';
import type { BaseConfig } from './config.js';
import type { Logger } from './logger.js';
import { gaugeFromCallback, type Metrics } from './metrics.js';

export interface MigrationContext {
  sequelize: Sequelize;
  /** The service's schema, already created; quote it as `"${schema}"` in SQL. */
  schema: string;
}

export type Migration = RunnableMigration<MigrationContext>;

type DbConfig = Pick<BaseConfig, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_POOL_MIN' | 'DB_POOL_ACQUIRE_MS' | 'DB_POOL_IDLE_MS'>;

export function createSequelize(config: DbConfig): Sequelize {
  return new Sequelize(config.DATABASE_URL, {
    dialect: 'postgres',
    // the module itself, not its name: Sequelize's require(name) is invisible to a bundler
    dialectModule: pg,
    logging: false,
    pool: { max: config.DB_POOL_MAX, min: config.DB_POOL_MIN, acquire: config.DB_POOL_ACQUIRE_MS, idle: config.DB_POOL_IDLE_MS },
    define: { underscored: true, timestamps: false, freezeTableName: true },
  });
}

/**
 * Runs the service's migrations into its own schema, recorded in `<schema>.migrations`. A session
 * advisory lock makes replicas that start together run them once, one after another.
 */
export async function migrate(
  sequelize: Sequelize,
  databaseUrl: string,
  schema: string,
  migrations: Migration[],
  logger?: Logger,
): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const umzug = new Umzug<MigrationContext>({
      migrations,
      context: { sequelize, schema },
      storage: new SequelizeStorage({ sequelize, schema, tableName: 'migrations' }),
      logger: undefined,
    });
    const applied = await umzug.up();
    if (applied.length > 0) logger?.info({ schema, applied: applied.map((m) => m.name) }, 'migrations applied');
    return applied.map((m) => m.name);
  } finally {
    await lock.end();
  }
}

interface PoolStats {
  size: number;
  available: number;
  using: number;
  waiting: number;
}

/** Exposes the connection pool as gauges; Sequelize does not type its pool, hence the narrow cast. */
export function registerPoolMetrics(metrics: Metrics, sequelize: Sequelize): void {
  const pool = (): PoolStats => (sequelize.connectionManager as unknown as { pool: PoolStats }).pool;
  gaugeFromCallback(metrics, 'db_pool_connections', 'Open database connections', () => pool().size);
  gaugeFromCallback(metrics, 'db_pool_connections_in_use', 'Database connections in use', () => pool().using);
  gaugeFromCallback(metrics, 'db_pool_waiting', 'Requests waiting for a database connection', () => pool().waiting);
}
