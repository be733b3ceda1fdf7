import { assignmentStatuses, type AssignmentStatus } from '@kathelfer/contracts';
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/**
 * `proposed` and `accepted` hold a slot; `declined`, `expired` and `cancelled` are final and keep
 * the pair from being proposed again (the engine's exclusions). Declared once, in the contracts.
 */
export { assignmentStatuses, type AssignmentStatus };

export interface AssignmentAttributes {
  id: string;
  incidentId: string;
  taskId: string;
  helperId: string;
  status: AssignmentStatus;
  shiftStart: Date;
  shiftEnd: Date;
  distanceKm: number;
  roundId: string;
  proposedAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  /** Why it was cancelled: `coordinator`, `helper-erased`, `task-cancelled`, `no-longer-feasible`. */
  reason: string | null;
}

export interface AssignmentRow extends Model<AssignmentAttributes, AssignmentAttributes>, AssignmentAttributes {}
export type AssignmentModel = ModelStatic<AssignmentRow>;

export function defineAssignmentModel(sequelize: Sequelize, schema: string): AssignmentModel {
  return sequelize.define<AssignmentRow>(
    'Assignment',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      incidentId: { type: DataTypes.TEXT, allowNull: false },
      taskId: { type: DataTypes.TEXT, allowNull: false },
      helperId: { type: DataTypes.UUID, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false },
      shiftStart: { type: DataTypes.DATE, allowNull: false },
      shiftEnd: { type: DataTypes.DATE, allowNull: false },
      distanceKm: { type: DataTypes.DOUBLE, allowNull: false },
      roundId: { type: DataTypes.UUID, allowNull: false },
      proposedAt: { type: DataTypes.DATE, allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      decidedAt: { type: DataTypes.DATE, allowNull: true },
      reason: { type: DataTypes.TEXT, allowNull: true },
    },
    { schema, tableName: 'assignments' },
  );
}
