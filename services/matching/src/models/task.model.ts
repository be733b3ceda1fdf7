import type { Priority } from '@kathelfer/contracts';
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** A task (one shift at one site) as the task service's events describe it. */
export interface TaskAttributes {
  id: string;
  incidentId: string;
  siteId: string;
  latitude: number;
  longitude: number;
  siteCapacity: number | null;
  requiredSkills: string[];
  requiredResources: string[];
  headcount: number;
  shiftStart: Date;
  shiftEnd: Date;
  /** The platform's one scale (@kathelfer/contracts `priority`): 1 is the most urgent. */
  priority: Priority;
  status: 'open' | 'cancelled';
  sourceAt: Date;
}

export interface TaskRow extends Model<TaskAttributes, TaskAttributes>, TaskAttributes {}
export type TaskModel = ModelStatic<TaskRow>;

const textArray = () => ({ type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] });

export function defineTaskModel(sequelize: Sequelize, schema: string): TaskModel {
  return sequelize.define<TaskRow>(
    'Task',
    {
      id: { type: DataTypes.TEXT, primaryKey: true },
      incidentId: { type: DataTypes.TEXT, allowNull: false },
      siteId: { type: DataTypes.TEXT, allowNull: false },
      latitude: { type: DataTypes.DOUBLE, allowNull: false },
      longitude: { type: DataTypes.DOUBLE, allowNull: false },
      siteCapacity: { type: DataTypes.INTEGER, allowNull: true },
      requiredSkills: textArray(),
      requiredResources: textArray(),
      headcount: { type: DataTypes.INTEGER, allowNull: false },
      shiftStart: { type: DataTypes.DATE, allowNull: false },
      shiftEnd: { type: DataTypes.DATE, allowNull: false },
      priority: { type: DataTypes.SMALLINT, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false },
      sourceAt: { type: DataTypes.DATE, allowNull: false },
    },
    { schema, tableName: 'tasks' },
  );
}
