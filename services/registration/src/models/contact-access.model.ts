import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** Every read of a helper's contact details: who, when, why. */
export interface ContactAccessAttributes {
  id: number;
  helperId: string;
  subject: string;
  roles: string[];
  reason: string;
  requestId: string | null;
  accessedAt: Date;
}

export type ContactAccessCreation = Omit<ContactAccessAttributes, 'id' | 'accessedAt'>;
export interface ContactAccessRow extends Model<ContactAccessAttributes, ContactAccessCreation>, ContactAccessAttributes {}
export type ContactAccessModel = ModelStatic<ContactAccessRow>;

export function defineContactAccessModel(sequelize: Sequelize, schema: string): ContactAccessModel {
  return sequelize.define<ContactAccessRow>(
    'ContactAccess',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      helperId: { type: DataTypes.UUID, allowNull: false },
      subject: { type: DataTypes.TEXT, allowNull: false },
      roles: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: false },
      requestId: { type: DataTypes.TEXT, allowNull: true },
      accessedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { schema, tableName: 'contact_access_log' },
  );
}
