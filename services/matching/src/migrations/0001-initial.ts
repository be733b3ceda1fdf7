import { createOutboxTable } from '@kathelfer/common/outbox.model';
import type { Migration } from '@kathelfer/common/db';

export const initial: Migration = {
  name: '0001-initial',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.query(`
      CREATE TABLE ${s}.helpers (
        id uuid PRIMARY KEY,
        incident_id text,
        skills text[] NOT NULL DEFAULT '{}',
        resources text[] NOT NULL DEFAULT '{}',
        latitude double precision,
        longitude double precision,
        max_travel_km double precision NOT NULL,
        max_hours_per_day double precision NOT NULL,
        availability jsonb NOT NULL,
        paused boolean NOT NULL,
        token_hash text,
        source_at timestamptz NOT NULL
      );
      CREATE INDEX helpers_incident ON ${s}.helpers (incident_id);
      CREATE UNIQUE INDEX helpers_token ON ${s}.helpers (token_hash) WHERE token_hash IS NOT NULL;
      -- Erased helpers by pseudonymous id only, so a late or replayed event cannot bring one back.
      CREATE TABLE ${s}.erased_helpers (id uuid PRIMARY KEY, erased_at timestamptz NOT NULL DEFAULT now());

      CREATE TABLE ${s}.tasks (
        id text PRIMARY KEY,
        event_id text NOT NULL,
        site_id text NOT NULL,
        latitude double precision NOT NULL,
        longitude double precision NOT NULL,
        site_capacity integer,
        required_skills text[] NOT NULL DEFAULT '{}',
        required_resources text[] NOT NULL DEFAULT '{}',
        headcount integer NOT NULL,
        shift_start timestamptz NOT NULL,
        shift_end timestamptz NOT NULL,
        priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
        status text NOT NULL CHECK (status IN ('open', 'cancelled')),
        source_at timestamptz NOT NULL
      );
      CREATE INDEX tasks_event ON ${s}.tasks (event_id, shift_end) WHERE status = 'open';

      CREATE TABLE ${s}.assignments (
        id uuid PRIMARY KEY,
        event_id text NOT NULL,
        task_id text NOT NULL,
        helper_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'expired', 'cancelled')),
        shift_start timestamptz NOT NULL,
        shift_end timestamptz NOT NULL,
        distance_km double precision NOT NULL,
        round_id uuid NOT NULL,
        proposed_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        decided_at timestamptz,
        reason text
      );
      -- The last line of defence against a double assignment: one live assignment per pair.
      CREATE UNIQUE INDEX assignments_live_pair ON ${s}.assignments (task_id, helper_id) WHERE status IN ('proposed', 'accepted');
      CREATE INDEX assignments_event ON ${s}.assignments (event_id, status);
      CREATE INDEX assignments_task ON ${s}.assignments (task_id);
      CREATE INDEX assignments_helper ON ${s}.assignments (helper_id);
      CREATE INDEX assignments_due ON ${s}.assignments (expires_at) WHERE status = 'proposed';

      -- Per DisasterEvent: the highest fencing token that started a round, and whether changes
      -- since the last written round still need one (change_seq > planned_seq).
      CREATE TABLE ${s}.event_state (
        event_id text PRIMARY KEY,
        fence bigint NOT NULL DEFAULT 0,
        change_seq bigint NOT NULL DEFAULT 0,
        planned_seq bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE ${s}.rounds (
        id uuid PRIMARY KEY,
        event_id text NOT NULL,
        fence bigint NOT NULL,
        trigger text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        stats jsonb NOT NULL
      );
      CREATE INDEX rounds_event ON ${s}.rounds (event_id, finished_at DESC);
      -- Consumed event ids, written in the transaction that applies the event: exactly once.
      CREATE TABLE ${s}.processed_events (event_id text PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now());
    `);
    await createOutboxTable(sequelize, schema);
  },
};
