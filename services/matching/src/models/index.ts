/** The one place that defines the matching service's models on a Sequelize instance. */
import type { Sequelize } from 'sequelize';
import { defineOutboxModel, type OutboxModel } from '@kathelfer/common/outbox.model';
import { defineAssignmentModel, type AssignmentModel } from './assignment.model.js';
import { defineHelperModel, type HelperModel } from './helper.model.js';
import { defineRoundModel, type RoundModel } from './round.model.js';
import { defineTaskModel, type TaskModel } from './task.model.js';

export interface Models {
  Helper: HelperModel;
  Task: TaskModel;
  Assignment: AssignmentModel;
  Round: RoundModel;
  Outbox: OutboxModel;
}

export function defineModels(sequelize: Sequelize, schema: string): Models {
  return {
    Helper: defineHelperModel(sequelize, schema),
    Task: defineTaskModel(sequelize, schema),
    Assignment: defineAssignmentModel(sequelize, schema),
    Round: defineRoundModel(sequelize, schema),
    Outbox: defineOutboxModel(sequelize, schema),
  };
}
