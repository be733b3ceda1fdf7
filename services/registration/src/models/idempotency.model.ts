import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/**
 * The first response to a request with an Idempotency-Key. Keyed by a hash of the key, and the
 * response (which holds the self-service token) is encrypted with a key derived from the
 * Idempotency-Key: only the client that knows it can have the response replayed.
 */
export interface IdempotencyAttributes {
  keyHash: string;
  requestHash: string;
  helperId: string;
  status: number;
  response: string;
  createdAt: Date;
}

export type IdempotencyCreation = Omit<IdempotencyAttributes, 'createdAt'>;
export interface IdempotencyRow extends Model<IdempotencyAttributes, IdempotencyCreation>, IdempotencyAttributes {}
export type IdempotencyModel = ModelStatic<IdempotencyRow>;

export function defineIdempotencyModel(sequelize: Sequelize, schema: string): IdempotencyModel {
  return sequelize.define<IdempotencyRow>(
    'IdempotencyRecord',
    {
      keyHash: { type: DataTypes.TEXT, primaryKey: true },
      requestHash: { type: DataTypes.TEXT, allowNull: false },
      helperId: { type: DataTypes.UUID, allowNull: false },
      status: { type: DataTypes.INTEGER, allowNull: false },
      response: { type: DataTypes.TEXT, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { schema, tableName: 'idempotency_keys' },
  );
}
