import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

export interface AvailabilityWindow {
  from: string;
  to: string;
}

/** A helper as matching knows them from the registration events: no name, no contact. */
export interface HelperAttributes {
  id: string;
  /** The incident the helper first registered for. */
  incidentId: string | null;
  /** Every incident the helper is available for; rounds of each of them plan the helper. */
  incidentIds: string[];
  skills: string[];
  resources: string[];
  /** Coarse (0.01°) as registration publishes it; for a helper who gave only a postal code, its centroid; null when that code is unknown. */
  latitude: number | null;
  longitude: number | null;
  maxTravelKm: number;
  maxHoursPerDay: number;
  availability: AvailabilityWindow[];
  paused: boolean;
  tokenHash: string | null;
  /** When registration wrote the event this row reflects; older events never overwrite newer ones. */
  sourceAt: Date;
}

export interface HelperRow extends Model<HelperAttributes, HelperAttributes>, HelperAttributes {}
export type HelperModel = ModelStatic<HelperRow>;

const textArray = () => ({ type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] });

export function defineHelperModel(sequelize: Sequelize, schema: string): HelperModel {
  return sequelize.define<HelperRow>(
    'Helper',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      incidentId: { type: DataTypes.TEXT, allowNull: true },
      incidentIds: textArray(),
      skills: textArray(),
      resources: textArray(),
      latitude: { type: DataTypes.DOUBLE, allowNull: true },
      longitude: { type: DataTypes.DOUBLE, allowNull: true },
      maxTravelKm: { type: DataTypes.DOUBLE, allowNull: false },
      maxHoursPerDay: { type: DataTypes.DOUBLE, allowNull: false },
      availability: { type: DataTypes.JSONB, allowNull: false },
      paused: { type: DataTypes.BOOLEAN, allowNull: false },
      tokenHash: { type: DataTypes.TEXT, allowNull: true },
      sourceAt: { type: DataTypes.DATE, allowNull: false },
    },
    { schema, tableName: 'helpers' },
  );
}
