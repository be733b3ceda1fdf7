import type { Migration } from '@kathelfer/common/db';

/**
 * Volunteers between incidents (issue 13): one self-service token serves every incident a helper
 * joined, so a helper sees the briefs of tasks in each. `incident_ids` comes from registration's
 * helper events; `incident_id` stays the one they first registered for. Forward-only: existing
 * rows carry their one incident over.
 */
export const helperTokenIncidents: Migration = {
  name: '0003-helper-token-incidents',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(
        `ALTER TABLE ${s}.helper_tokens ADD COLUMN incident_ids text[] NOT NULL DEFAULT '{}';
         UPDATE ${s}.helper_tokens SET incident_ids = ARRAY[incident_id] WHERE incident_id IS NOT NULL;`,
        { transaction },
      );
    });
  },
};
