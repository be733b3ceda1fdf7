import type { Migration } from '@kathelfer/common/db';

/**
 * One name per concept (issue 16): the incident is `incident_id` here as in every service, and
 * its planning state `incident_state`; `event_id` is left to bus events (`processed_events`).
 * A rename in place: replicas of the previous release fail their queries until they are replaced
 * (no release had left the repository when it was written).
 */
export const incidentId: Migration = {
  name: '0004-incident-id',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(
        `ALTER TABLE ${s}.tasks RENAME COLUMN event_id TO incident_id;
         ALTER INDEX ${s}.tasks_event RENAME TO tasks_incident;
         ALTER TABLE ${s}.assignments RENAME COLUMN event_id TO incident_id;
         ALTER INDEX ${s}.assignments_event RENAME TO assignments_incident;
         ALTER TABLE ${s}.rounds RENAME COLUMN event_id TO incident_id;
         ALTER INDEX ${s}.rounds_event RENAME TO rounds_incident;
         ALTER TABLE ${s}.event_state RENAME TO incident_state;
         ALTER TABLE ${s}.incident_state RENAME COLUMN event_id TO incident_id;`,
        { transaction },
      );
    });
  },
};
