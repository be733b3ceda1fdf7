import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** Incidents as far as retention needs them: when one ended, its helpers' data has a deadline. */
export interface IncidentAttributes {
  id: string;
  endedAt: Date | null;
}

export interface IncidentRow extends Model<IncidentAttributes, IncidentAttributes>, IncidentAttributes {}
export type IncidentModel = ModelStatic<IncidentRow>;

export function defineIncidentModel(sequelize: Sequelize, schema: string): IncidentModel {
  return sequelize.define<IncidentRow>(
    'Incident',
    {
      id: { type: DataTypes.TEXT, primaryKey: true },
      endedAt: { type: DataTypes.DATE, allowNull: true },
    },
    { schema, tableName: 'incidents' },
  );
}
