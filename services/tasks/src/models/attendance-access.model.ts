import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** Every coordinator read of the check-in log: who, when, why, about whom. */
export interface AttendanceAccessAttributes {
  id: number;
  subject: string;
  roles: string[];
  reason: string;
  /** The helper asked about, or null when the read covered every helper of the range. */
  helperId: string | null;
  requestId: string | null;
  accessedAt: Date;
}

export type AttendanceAccessCreation = Omit<AttendanceAccessAttributes, 'id' | 'accessedAt'>;
export interface AttendanceAccessRow extends Model<AttendanceAccessAttributes, AttendanceAccessCreation>, AttendanceAccessAttributes {}
export type AttendanceAccessModel = ModelStatic<AttendanceAccessRow>;

export function defineAttendanceAccessModel(sequelize: Sequelize, schema: string): AttendanceAccessModel {
  return sequelize.define<AttendanceAccessRow>(
    'AttendanceAccess',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      subject: { type: DataTypes.TEXT, allowNull: false },
      roles: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: false },
      helperId: { type: DataTypes.TEXT, allowNull: true },
      requestId: { type: DataTypes.TEXT, allowNull: true },
      accessedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { schema, tableName: 'attendance_access_log' },
  );
}
