import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** An Einsatzstelle. The on-site contact is personal data; it never leaves in events. */
export interface SiteAttributes {
  id: string;
  incidentId: string;
  name: string;
  street: string | null;
  postalCode: string;
  city: string;
  /** First 3 digits of the postal code: the "area" coordinators filter by. */
  postalArea: string;
  latitude: number;
  longitude: number;
  meetingPoint: string;
  contactName: string | null;
  contactPhone: string | null;
  /** How many helpers the site can take at once (checked in at the same time). */
  capacity: number;
  accessNotes: string | null;
  version: number;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export type SiteCreation = Omit<SiteAttributes, 'version' | 'createdAt' | 'updatedAt'>;
export interface SiteRow extends Model<SiteAttributes, SiteCreation>, SiteAttributes {}
export type SiteModel = ModelStatic<SiteRow>;

const text = (allowNull = false) => ({ type: DataTypes.TEXT, allowNull });

export function defineSiteModel(sequelize: Sequelize, schema: string): SiteModel {
  return sequelize.define<SiteRow>(
    'Site',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      incidentId: text(),
      name: text(),
      street: text(true),
      postalCode: text(),
      city: text(),
      postalArea: text(),
      latitude: { type: DataTypes.DOUBLE, allowNull: false },
      longitude: { type: DataTypes.DOUBLE, allowNull: false },
      meetingPoint: text(),
      contactName: text(true),
      contactPhone: text(true),
      capacity: { type: DataTypes.INTEGER, allowNull: false },
      accessNotes: text(true),
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      createdBy: text(),
      updatedBy: text(),
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      updatedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { schema, tableName: 'sites' },
  );
}
