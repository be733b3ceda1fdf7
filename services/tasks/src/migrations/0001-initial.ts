import { createOutboxTable } from '@kathelfer/common/outbox.model';
import type { Migration } from '@kathelfer/common/db';

export const initial: Migration = {
  name: '0001-initial',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.query(`
      CREATE TABLE ${s}.sites (
        id uuid PRIMARY KEY,
        incident_id text NOT NULL,
        name text NOT NULL,
        street text,
        postal_code text NOT NULL,
        city text NOT NULL,
        postal_area text NOT NULL,
        latitude double precision NOT NULL,
        longitude double precision NOT NULL,
        meeting_point text NOT NULL,
        contact_name text,
        contact_phone text,
        capacity integer NOT NULL CHECK (capacity > 0),
        access_notes text,
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        updated_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sites_incident ON ${s}.sites (incident_id);

      CREATE TABLE ${s}.tasks (
        id uuid PRIMARY KEY,
        incident_id text NOT NULL,
        site_id uuid NOT NULL REFERENCES ${s}.sites (id),
        title text NOT NULL,
        description text NOT NULL,
        skills text[] NOT NULL DEFAULT '{}',
        resources text[] NOT NULL DEFAULT '{}',
        headcount integer NOT NULL CHECK (headcount > 0),
        filled_count integer NOT NULL DEFAULT 0 CHECK (filled_count >= 0),
        shift_start timestamptz NOT NULL,
        shift_end timestamptz NOT NULL CHECK (shift_end > shift_start),
        priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
        bring text[] NOT NULL DEFAULT '{}',
        briefing text NOT NULL,
        status text NOT NULL DEFAULT 'open'
          CHECK (status IN ('open', 'partially_filled', 'filled', 'in_progress', 'completed', 'cancelled')),
        postal_area text NOT NULL,
        latitude double precision NOT NULL,
        longitude double precision NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        updated_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- The coordinators' question "what is still open here, most urgent first": partial indexes
      -- hold only tasks that still need helpers, so they stay small as tasks complete.
      CREATE INDEX tasks_open_by_area ON ${s}.tasks (incident_id, postal_area, priority, shift_start, id)
        WHERE status IN ('open', 'partially_filled');
      CREATE INDEX tasks_open_by_priority ON ${s}.tasks (incident_id, priority, shift_start, id)
        WHERE status IN ('open', 'partially_filled');
      CREATE INDEX tasks_site ON ${s}.tasks (site_id);

      CREATE TABLE ${s}.assignments (
        id uuid PRIMARY KEY,
        task_id uuid NOT NULL REFERENCES ${s}.tasks (id),
        helper_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('accepted', 'withdrawn')),
        shift_start timestamptz NOT NULL,
        shift_end timestamptz NOT NULL,
        code_ref bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        last_event_at timestamptz NOT NULL
      );
      CREATE INDEX assignments_task ON ${s}.assignments (task_id) WHERE status = 'accepted';
      CREATE INDEX assignments_helper ON ${s}.assignments (helper_id);

      -- Every assignment event applied, recorded in the transaction that applies it: a redelivery,
      -- a duplicate or the same event at another replica finds it here and changes nothing.
      CREATE TABLE ${s}.processed_events (
        event_id text PRIMARY KEY,
        type text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE ${s}.attendance (
        assignment_id uuid PRIMARY KEY REFERENCES ${s}.assignments (id),
        helper_id text NOT NULL,
        task_id uuid NOT NULL,
        site_id uuid NOT NULL,
        checked_in_at timestamptz NOT NULL,
        checked_in_by text NOT NULL,
        checked_out_at timestamptz CHECK (checked_out_at >= checked_in_at),
        checked_out_by text
      );
      CREATE INDEX attendance_on_site ON ${s}.attendance (site_id) WHERE checked_out_at IS NULL;
      CREATE INDEX attendance_by_day ON ${s}.attendance (checked_in_at, helper_id);
      CREATE INDEX attendance_by_helper ON ${s}.attendance (helper_id, checked_in_at);

      CREATE TABLE ${s}.attendance_access_log (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        roles text[] NOT NULL,
        reason text NOT NULL,
        helper_id text,
        request_id text,
        accessed_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    await createOutboxTable(sequelize, schema);
  },
};
