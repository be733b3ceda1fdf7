/** The one place that defines the registration service's models on a Sequelize instance. */
import type { Sequelize } from 'sequelize';
import { defineOutboxModel, type OutboxModel } from '@kathelfer/common/outbox.model';
import { defineContactAccessModel, type ContactAccessModel } from './contact-access.model.js';
import { defineDeletionLogModel, type DeletionLogModel } from './deletion-log.model.js';
import { defineHelperIncidentModel, type HelperIncidentModel } from './helper-incident.model.js';
import { defineHelperModel, type HelperModel } from './helper.model.js';
import { defineIdempotencyModel, type IdempotencyModel } from './idempotency.model.js';
import { defineIncidentModel, type IncidentModel } from './incident.model.js';
import { defineNotificationModel, type NotificationModel } from './notification.model.js';

export interface Models {
  Helper: HelperModel;
  HelperIncident: HelperIncidentModel;
  DeletionLog: DeletionLogModel;
  ContactAccess: ContactAccessModel;
  Idempotency: IdempotencyModel;
  Incident: IncidentModel;
  Notification: NotificationModel;
  Outbox: OutboxModel;
}

export function defineModels(sequelize: Sequelize, schema: string): Models {
  return {
    Helper: defineHelperModel(sequelize, schema),
    HelperIncident: defineHelperIncidentModel(sequelize, schema),
    DeletionLog: defineDeletionLogModel(sequelize, schema),
    ContactAccess: defineContactAccessModel(sequelize, schema),
    Idempotency: defineIdempotencyModel(sequelize, schema),
    Incident: defineIncidentModel(sequelize, schema),
    Notification: defineNotificationModel(sequelize, schema),
    Outbox: defineOutboxModel(sequelize, schema),
  };
}
