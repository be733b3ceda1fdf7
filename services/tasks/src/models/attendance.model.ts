import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/**
 * The check-in log: who worked where and when, per assignment — the proof the accident insurance
 * needs for helpers an authority called in. Separate from any profile data, with its own retention
 * (ATTENDANCE_RETENTION_DAYS after the check-out).
 */
export interface AttendanceAttributes {
  assignmentId: string;
  helperId: string;
  taskId: string;
  siteId: string;
  checkedInAt: Date;
  checkedInBy: string;
  checkedOutAt: Date | null;
  checkedOutBy: string | null;
}

export type AttendanceCreation = Omit<AttendanceAttributes, 'checkedOutAt' | 'checkedOutBy'>;
export interface AttendanceRow extends Model<AttendanceAttributes, AttendanceCreation>, AttendanceAttributes {}
export type AttendanceModel = ModelStatic<AttendanceRow>;

export function defineAttendanceModel(sequelize: Sequelize, schema: string): AttendanceModel {
  return sequelize.define<AttendanceRow>(
    'Attendance',
    {
      assignmentId: { type: DataTypes.UUID, primaryKey: true },
      helperId: { type: DataTypes.TEXT, allowNull: false },
      taskId: { type: DataTypes.UUID, allowNull: false },
      siteId: { type: DataTypes.UUID, allowNull: false },
      checkedInAt: { type: DataTypes.DATE, allowNull: false },
      checkedInBy: { type: DataTypes.TEXT, allowNull: false },
      checkedOutAt: { type: DataTypes.DATE, allowNull: true },
      checkedOutBy: { type: DataTypes.TEXT, allowNull: true },
    },
    { schema, tableName: 'attendance' },
  );
}
