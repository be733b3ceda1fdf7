import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import type { TaskStatus } from '../lifecycle.js';

export interface TaskAttributes {
  id: string;
  incidentId: string;
  siteId: string;
  title: string;
  description: string;
  skills: string[];
  resources: string[];
  headcount: number;
  /** Accepted assignments; kept by the assignment consumer. */
  filledCount: number;
  shiftStart: Date;
  shiftEnd: Date;
  /** 1 is the most urgent. */
  priority: number;
  bring: string[];
  briefing: string;
  status: TaskStatus;
  // Copied from the site so the open-task query filters by area on one index, without a join.
  postalArea: string;
  latitude: number;
  longitude: number;
  version: number;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export type TaskCreation = Omit<TaskAttributes, 'filledCount' | 'status' | 'version' | 'createdAt' | 'updatedAt'>;
export interface TaskRow extends Model<TaskAttributes, TaskCreation>, TaskAttributes {}
export type TaskModel = ModelStatic<TaskRow>;

const text = () => ({ type: DataTypes.TEXT, allowNull: false });
// A fresh object per attribute: Sequelize writes into attribute definitions.
const textArray = () => ({ type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] });

export function defineTaskModel(sequelize: Sequelize, schema: string): TaskModel {
  return sequelize.define<TaskRow>(
    'Task',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      incidentId: text(),
      siteId: { type: DataTypes.UUID, allowNull: false },
      title: text(),
      description: text(),
      skills: textArray(),
      resources: textArray(),
      headcount: { type: DataTypes.INTEGER, allowNull: false },
      filledCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      shiftStart: { type: DataTypes.DATE, allowNull: false },
      shiftEnd: { type: DataTypes.DATE, allowNull: false },
      priority: { type: DataTypes.SMALLINT, allowNull: false },
      bring: textArray(),
      briefing: text(),
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'open' },
      postalArea: text(),
      latitude: { type: DataTypes.DOUBLE, allowNull: false },
      longitude: { type: DataTypes.DOUBLE, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      createdBy: text(),
      updatedBy: text(),
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      updatedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { schema, tableName: 'tasks' },
  );
}
