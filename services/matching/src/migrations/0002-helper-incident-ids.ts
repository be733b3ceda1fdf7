import type { Migration } from '@kathelfer/common/db';

/**
 * Volunteers between incidents (issue 13): registration's helper events carry `incidentIds`, every
 * incident a helper is available for; rounds plan a helper in each of them. `incident_id` stays
 * the incident they first registered for. Forward-only: existing rows carry their one incident over.
 */
export const helperIncidentIds: Migration = {
  name: '0002-helper-incident-ids',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(
        `ALTER TABLE ${s}.helpers ADD COLUMN incident_ids text[] NOT NULL DEFAULT '{}';
         UPDATE ${s}.helpers SET incident_ids = ARRAY[incident_id] WHERE incident_id IS NOT NULL;
         CREATE INDEX helpers_incident_ids ON ${s}.helpers USING gin (incident_ids);`,
        { transaction },
      );
    });
  },
};
