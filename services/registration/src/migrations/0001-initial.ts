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
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'erased')),
        name text,
        phone_e164 text,
        email text,
        postal_code text,
        latitude double precision,
        longitude double precision,
        postal_area text,
        coarse_latitude double precision,
        coarse_longitude double precision,
        max_travel_km integer NOT NULL,
        skills text[] NOT NULL DEFAULT '{}',
        languages text[] NOT NULL DEFAULT '{}',
        resources text[] NOT NULL DEFAULT '{}',
        availability jsonb NOT NULL,
        max_hours_per_day integer NOT NULL,
        paused boolean NOT NULL DEFAULT false,
        adult_confirmed boolean NOT NULL,
        consent_version text NOT NULL,
        consent_purposes text[] NOT NULL,
        consented_at timestamptz NOT NULL,
        token_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz
      );
      -- One record per person: erased rows have no contact and do not block a new registration.
      CREATE UNIQUE INDEX helpers_phone_unique ON ${s}.helpers (phone_e164) WHERE phone_e164 IS NOT NULL;
      CREATE UNIQUE INDEX helpers_email_unique ON ${s}.helpers (email) WHERE email IS NOT NULL;
      CREATE UNIQUE INDEX helpers_token_unique ON ${s}.helpers (token_hash) WHERE token_hash IS NOT NULL;
      CREATE INDEX helpers_skills ON ${s}.helpers USING gin (skills);
      CREATE INDEX helpers_incident ON ${s}.helpers (incident_id) WHERE status = 'active';

      CREATE TABLE ${s}.deletion_log (
        id bigserial PRIMARY KEY,
        helper_id uuid NOT NULL,
        reason text NOT NULL,
        request_id text,
        erased_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.contact_access_log (
        id bigserial PRIMARY KEY,
        helper_id uuid NOT NULL,
        subject text NOT NULL,
        roles text[] NOT NULL,
        reason text NOT NULL,
        request_id text,
        accessed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.idempotency_keys (
        key_hash text PRIMARY KEY,
        request_hash text NOT NULL,
        helper_id uuid NOT NULL,
        status integer NOT NULL,
        response text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.incidents (
        id text PRIMARY KEY,
        ended_at timestamptz
      );
    `);
    await createOutboxTable(sequelize, schema);
  },
};
