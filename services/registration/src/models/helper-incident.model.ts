import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** An incident a helper is available for, with the consent they gave for it (migration 0004). */
export interface HelperIncidentAttributes {
  helperId: string;
  incidentId: string;
  consentVersion: string;
  consentPurposes: string[];
  consentedAt: Date;
}

export interface HelperIncidentRow extends Model<HelperIncidentAttributes, HelperIncidentAttributes>, HelperIncidentAttributes {}
export type HelperIncidentModel = ModelStatic<HelperIncidentRow>;

export function defineHelperIncidentModel(sequelize: Sequelize, schema: string): HelperIncidentModel {
  return sequelize.define<HelperIncidentRow>(
    'HelperIncident',
    {
      helperId: { type: DataTypes.UUID, primaryKey: true },
      incidentId: { type: DataTypes.TEXT, primaryKey: true },
      consentVersion: { type: DataTypes.TEXT, allowNull: false },
      consentPurposes: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
      consentedAt: { type: DataTypes.DATE, allowNull: false },
    },
    { schema, tableName: 'helper_incidents' },
  );
}
