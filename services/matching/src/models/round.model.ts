import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import type { RoundStats } from '../round-stats.js';

/** One planning round that wrote its result, with the fencing token it held. */
export interface RoundAttributes {
  id: string;
  incidentId: string;
  fence: number;
  trigger: string;
  startedAt: Date;
  finishedAt: Date;
  stats: RoundStats;
}

export interface RoundRow extends Model<RoundAttributes, RoundAttributes>, RoundAttributes {}
export type RoundModel = ModelStatic<RoundRow>;

export function defineRoundModel(sequelize: Sequelize, schema: string): RoundModel {
  return sequelize.define<RoundRow>(
    'Round',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      incidentId: { type: DataTypes.TEXT, allowNull: false },
      fence: { type: DataTypes.BIGINT, allowNull: false },
      trigger: { type: DataTypes.TEXT, allowNull: false },
      startedAt: { type: DataTypes.DATE, allowNull: false },
      finishedAt: { type: DataTypes.DATE, allowNull: false },
      stats: { type: DataTypes.JSONB, allowNull: false },
    },
    { schema, tableName: 'rounds' },
  );
}
