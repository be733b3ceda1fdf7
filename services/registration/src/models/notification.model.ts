import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

/** A notification: queued, then the delivery log's row (without `data`). See migration 0005 and notifications/queue.ts. */
export interface NotificationAttributes {
  id: string;
  /** The bus event or local change it comes from; unique with helper and channel. */
  sourceId: string;
  /** NULL after the helper's erasure. */
  helperId: string | null;
  channel: 'email' | 'push';
  kind: string;
  status: 'queued' | 'sending' | 'sent' | 'dead' | 'suppressed' | 'dropped';
  /** What the message needs until it is sent; NULL afterwards. */
  data: Record<string, unknown> | null;
  dueAt: Date;
  leaseUntil: Date | null;
  attempts: number;
  /** A code (`smtp-451`, `push-410`), never a server's text. */
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export type NotificationCreation = Pick<NotificationAttributes, 'sourceId' | 'helperId' | 'channel' | 'kind' | 'status' | 'data'>;
export interface NotificationRow extends Model<NotificationAttributes, NotificationCreation>, NotificationAttributes {}
export type NotificationModel = ModelStatic<NotificationRow>;

export function defineNotificationModel(sequelize: Sequelize, schema: string): NotificationModel {
  return sequelize.define<NotificationRow>(
    'Notification',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      sourceId: { type: DataTypes.TEXT, allowNull: false },
      helperId: { type: DataTypes.UUID, allowNull: true },
      channel: { type: DataTypes.TEXT, allowNull: false },
      kind: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false },
      data: { type: DataTypes.JSONB, allowNull: true },
      dueAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      leaseUntil: { type: DataTypes.DATE, allowNull: true },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      error: { type: DataTypes.TEXT, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      sentAt: { type: DataTypes.DATE, allowNull: true },
    },
    { schema, tableName: 'notifications' },
  );
}
