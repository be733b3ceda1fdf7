import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** Proof that an erasure happened, without the erased data. */
export interface DeletionLogAttributes {
  id: number;
  helperId: string;
  reason: 'self-service' | 'retention';
  requestId: string | null;
  erasedAt: Date;
}

export type DeletionLogCreation = Omit<DeletionLogAttributes, 'id' | 'erasedAt'>;
export interface DeletionLogRow extends Model<DeletionLogAttributes, DeletionLogCreation>, DeletionLogAttributes {}
export type DeletionLogModel = ModelStatic<DeletionLogRow>;

export function defineDeletionLogModel(sequelize: Sequelize, schema: string): DeletionLogModel {
  return sequelize.define<DeletionLogRow>(
    'DeletionLog',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      helperId: { type: DataTypes.UUID, allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: false },
      requestId: { type: DataTypes.TEXT, allowNull: true },
      erasedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { schema, tableName: 'deletion_log' },
  );
}
