import { createProcessedEventsTable } from '@kathelfer/common/contract-consumer';
import type { Migration } from '@kathelfer/common/db';

/**
 * Notifications (issue 17). Sending lives in this service because it is the one that holds the
 * contact details: they never leave it, not even to a notification service, and an erasure removes
 * every trace in one transaction here.
 *
 * - `helpers.locale`: the language notifications are written in (`de`, `en`).
 * - `push_subscriptions`: a helper's Web Push subscriptions (RFC 8030 endpoint, RFC 8291 keys).
 * - `notifications`: queue and delivery log in one. `source_id` is the bus event (or local change)
 *   a notification comes from; the unique key (source_id, helper_id, channel) makes it one
 *   notification per event, helper and channel however often the event arrives and on however many
 *   replicas. `data` holds what the message needs until it is sent, then becomes NULL: the log
 *   keeps no message bodies. `error` holds a code (`smtp-451`, `push-410`), never a server's text,
 *   which may quote the address.
 * - `notification_tasks` and `notification_assignments`: what the task and matching services
 *   publish about tasks and assignments, so messages say what, where and when, and a changed task
 *   reaches the helpers it concerns.
 * - `processed_events`: the event ids the contract consumer applied (common/contract-consumer.ts).
 */
export const notifications: Migration = {
  name: '0006-notifications',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(
        `ALTER TABLE ${s}.helpers ADD COLUMN locale text NOT NULL DEFAULT 'de' CHECK (locale IN ('de', 'en'));
         CREATE TABLE ${s}.push_subscriptions (
           id bigserial PRIMARY KEY,
           helper_id uuid NOT NULL REFERENCES ${s}.helpers (id) ON DELETE CASCADE,
           endpoint text NOT NULL UNIQUE,
           p256dh text NOT NULL,
           auth text NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now()
         );
         CREATE INDEX push_subscriptions_helper ON ${s}.push_subscriptions (helper_id);
         CREATE TABLE ${s}.notifications (
           id bigserial PRIMARY KEY,
           source_id text NOT NULL,
           helper_id uuid,
           channel text NOT NULL CHECK (channel IN ('email', 'push')),
           kind text NOT NULL,
           status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'dead', 'suppressed', 'dropped')),
           data jsonb,
           due_at timestamptz NOT NULL DEFAULT now(),
           lease_until timestamptz,
           attempts integer NOT NULL DEFAULT 0,
           error text,
           created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
           sent_at timestamptz
         );
         CREATE UNIQUE INDEX notifications_once ON ${s}.notifications (source_id, helper_id, channel);
         CREATE INDEX notifications_due ON ${s}.notifications (due_at) WHERE status IN ('queued', 'sending');
         CREATE INDEX notifications_helper ON ${s}.notifications (helper_id, created_at);
         CREATE TABLE ${s}.notification_tasks (
           task_id uuid PRIMARY KEY,
           incident_id text NOT NULL,
           version integer NOT NULL,
           status text NOT NULL,
           brief jsonb NOT NULL,
           shift_start timestamptz NOT NULL,
           shift_end timestamptz NOT NULL
         );
         CREATE TABLE ${s}.notification_assignments (
           assignment_id uuid PRIMARY KEY,
           helper_id uuid NOT NULL,
           task_id uuid NOT NULL,
           status text NOT NULL,
           shift_start timestamptz NOT NULL,
           shift_end timestamptz NOT NULL,
           last_event_at timestamptz NOT NULL
         );
         CREATE INDEX notification_assignments_task ON ${s}.notification_assignments (task_id) WHERE status IN ('proposed', 'accepted');
         CREATE INDEX notification_assignments_helper ON ${s}.notification_assignments (helper_id);`,
        { transaction },
      );
    });
    // The contract consumer records the ids of the events it applied (group notifications).
    await createProcessedEventsTable(sequelize, schema);
  },
};
