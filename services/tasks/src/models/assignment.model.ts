import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** This service's projection of the matching service's assignments: what fill and check-in need. */
export interface AssignmentAttributes {
  id: string;
  taskId: string;
  /** Pseudonymous id from registration. */
  helperId: string;
  status: 'accepted' | 'withdrawn';
  shiftStart: Date;
  shiftEnd: Date;
  /** Short number the check-in code carries to find the assignment. */
  codeRef: number;
  /** occurredAt of the newest event applied: an older one arriving later changes nothing. */
  lastEventAt: Date;
}

export interface AssignmentRow extends Model<AssignmentAttributes, AssignmentAttributes>, AssignmentAttributes {}
export type AssignmentModel = ModelStatic<AssignmentRow>;

export function defineAssignmentModel(sequelize: Sequelize, schema: string): AssignmentModel {
  return sequelize.define<AssignmentRow>(
    'Assignment',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      taskId: { type: DataTypes.UUID, allowNull: false },
      helperId: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false },
      shiftStart: { type: DataTypes.DATE, allowNull: false },
      shiftEnd: { type: DataTypes.DATE, allowNull: false },
      // bigint identity; pg returns it as a string, the service converts.
      codeRef: { type: DataTypes.BIGINT, allowNull: false },
      lastEventAt: { type: DataTypes.DATE, allowNull: false },
    },
    { schema, tableName: 'assignments' },
  );
}
