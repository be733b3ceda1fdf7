/** The one place that defines the task service's models on a Sequelize instance. */
import type { Sequelize } from 'sequelize';
import { defineOutboxModel, type OutboxModel } from '@kathelfer/common/outbox.model';
import { defineAssignmentModel, type AssignmentModel } from './assignment.model.js';
import { defineAttendanceAccessModel, type AttendanceAccessModel } from './attendance-access.model.js';
import { defineAttendanceModel, type AttendanceModel } from './attendance.model.js';
import { defineSiteModel, type SiteModel } from './site.model.js';
import { defineTaskModel, type TaskModel } from './task.model.js';

export interface Models {
  Site: SiteModel;
  Task: TaskModel;
  Assignment: AssignmentModel;
  Attendance: AttendanceModel;
  AttendanceAccess: AttendanceAccessModel;
  Outbox: OutboxModel;
}

export function defineModels(sequelize: Sequelize, schema: string): Models {
  return {
    Site: defineSiteModel(sequelize, schema),
    Task: defineTaskModel(sequelize, schema),
    Assignment: defineAssignmentModel(sequelize, schema),
    Attendance: defineAttendanceModel(sequelize, schema),
    AttendanceAccess: defineAttendanceAccessModel(sequelize, schema),
    Outbox: defineOutboxModel(sequelize, schema),
  };
}
