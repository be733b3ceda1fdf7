import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

export interface AvailabilityWindow {
  from: string;
  to: string;
}

export interface HelperAttributes {
  id: string;
  incidentId: string | null;
  status: 'active' | 'erased';
  // Personal data: null after erasure.
  name: string | null;
  phoneE164: string | null;
  email: string | null;
  postalCode: string | null;
  latitude: number | null;
  longitude: number | null;
  /** Coarse location, what leaves the service: postal code prefix and coordinates rounded to 0.01°. */
  postalArea: string | null;
  coarseLatitude: number | null;
  coarseLongitude: number | null;
  maxTravelKm: number;
  skills: string[];
  languages: string[];
  resources: string[];
  availability: AvailabilityWindow[];
  maxHoursPerDay: number;
  paused: boolean;
  /** The language of notifications. */
  locale: 'de' | 'en';
  adultConfirmed: boolean;
  consentVersion: string;
  consentPurposes: string[];
  consentedAt: Date;
  /** SHA-256 of the self-service token; the token itself is never stored. */
  tokenHash: string | null;
  createdAt: Date;
  updatedAt: Date;
  erasedAt: Date | null;
}

export type HelperCreation = Omit<HelperAttributes, 'status' | 'paused' | 'createdAt' | 'updatedAt' | 'erasedAt'>;
export interface HelperRow extends Model<HelperAttributes, HelperCreation>, HelperAttributes {}
export type HelperModel = ModelStatic<HelperRow>;

const text = (allowNull = true) => ({ type: DataTypes.TEXT, allowNull });
// A fresh object per attribute: Sequelize writes into attribute definitions.
const textArray = () => ({ type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] });

export function defineHelperModel(sequelize: Sequelize, schema: string): HelperModel {
  return sequelize.define<HelperRow>(
    'Helper',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      incidentId: text(),
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'active' },
      name: text(),
      phoneE164: text(),
      email: text(),
      postalCode: text(),
      latitude: { type: DataTypes.DOUBLE, allowNull: true },
      longitude: { type: DataTypes.DOUBLE, allowNull: true },
      postalArea: text(),
      coarseLatitude: { type: DataTypes.DOUBLE, allowNull: true },
      coarseLongitude: { type: DataTypes.DOUBLE, allowNull: true },
      maxTravelKm: { type: DataTypes.INTEGER, allowNull: false },
      skills: textArray(),
      languages: textArray(),
      resources: textArray(),
      availability: { type: DataTypes.JSONB, allowNull: false },
      maxHoursPerDay: { type: DataTypes.INTEGER, allowNull: false },
      paused: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      locale: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'de' },
      adultConfirmed: { type: DataTypes.BOOLEAN, allowNull: false },
      consentVersion: text(false),
      consentPurposes: textArray(),
      consentedAt: { type: DataTypes.DATE, allowNull: false },
      tokenHash: text(),
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      updatedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      erasedAt: { type: DataTypes.DATE, allowNull: true },
    },
    { schema, tableName: 'helpers' },
  );
}
