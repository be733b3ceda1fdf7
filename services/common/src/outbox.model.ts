import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

export interface OutboxAttributes {
  id: string;
  /** Stream name without the Redis prefix, e.g. `registration`. */
  stream: string;
  type: string;
  /** The contract version the payload follows (@kathelfer/contracts). */
  version: number;
  payload: Record<string, unknown>;
  createdAt: Date;
  sentAt: Date | null;
}

export type OutboxCreation = Pick<OutboxAttributes, 'id' | 'stream' | 'type' | 'payload'> & { version?: number };
export interface OutboxRow extends Model<OutboxAttributes, OutboxCreation>, OutboxAttributes {}
export type OutboxModel = ModelStatic<OutboxRow>;

export function defineOutboxModel(sequelize: Sequelize, schema: string): OutboxModel {
  return sequelize.define<OutboxRow>(
    'OutboxEvent',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      stream: { type: DataTypes.TEXT, allowNull: false },
      type: { type: DataTypes.TEXT, allowNull: false },
      version: { type: DataTypes.SMALLINT, allowNull: false, defaultValue: 1 },
      payload: { type: DataTypes.JSONB, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      sentAt: { type: DataTypes.DATE, allowNull: true },
    },
    { schema, tableName: 'outbox' },
  );
}

/**
 * The outbox table, for a service's migrations. `seq` orders events as they were written (a
 * timestamp would tie within a millisecond); the relay publishes in that order.
 */
export async function createOutboxTable(sequelize: Sequelize, schema: string): Promise<void> {
  await sequelize.query(`
    CREATE TABLE "${schema}".outbox (
      seq bigserial NOT NULL,
      id uuid PRIMARY KEY,
      stream text NOT NULL,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      sent_at timestamptz
    );
    CREATE INDEX outbox_unsent ON "${schema}".outbox (seq) WHERE sent_at IS NULL;
  `);
}

/**
 * Adds the contract version of each event to an existing outbox table (every event written before
 * is version 1, the first declared one). For a migration of each service that has an outbox.
 */
export async function addOutboxVersionColumn(sequelize: Sequelize, schema: string): Promise<void> {
  await sequelize.query(`ALTER TABLE "${schema}".outbox ADD COLUMN IF NOT EXISTS version smallint NOT NULL DEFAULT 1`);
}
