import type { Migration } from '@kathelfer/common/db';

/**
 * Volunteers between incidents (issue 13): floods come in waves, and a helper registered for one
 * incident may make themselves available for the next. `helper_incidents` holds every incident a
 * helper is available for, each with the consent text version, purposes and time they agreed to
 * for it. `helpers.incident_id` stays as the incident they first registered for (statistics).
 *
 * Forward-only and safe on a live table: the table is created, then every active helper with an
 * incident gets their membership with the consent they gave at registration. Erased helpers get
 * none (erasure removes every membership from now on).
 */
export const helperIncidents: Migration = {
  name: '0004-helper-incidents',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(
        `CREATE TABLE ${s}.helper_incidents (
           helper_id uuid NOT NULL REFERENCES ${s}.helpers (id) ON DELETE CASCADE,
           incident_id text NOT NULL,
           consent_version text NOT NULL,
           consent_purposes text[] NOT NULL,
           consented_at timestamptz NOT NULL,
           PRIMARY KEY (helper_id, incident_id)
         );
         CREATE INDEX helper_incidents_incident ON ${s}.helper_incidents (incident_id);
         INSERT INTO ${s}.helper_incidents (helper_id, incident_id, consent_version, consent_purposes, consented_at)
           SELECT id, incident_id, consent_version, consent_purposes, consented_at FROM ${s}.helpers
            WHERE status = 'active' AND incident_id IS NOT NULL;`,
        { transaction },
      );
    });
  },
};
