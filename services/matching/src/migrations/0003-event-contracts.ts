import type { Migration } from '@kathelfer/common/db';
import { addOutboxVersionColumn } from '@kathelfer/common/outbox.model';

/**
 * The event contracts (issue 16): each outbox event records its contract version; consumed event
 * ids record their type, as in every consumer (common's contract consumer); and a task's priority
 * is kept on the platform's one scale, 1 the most urgent — rows written before held the planner's
 * weight (5 the most urgent), which the planner now derives (contracts `urgencyOf`).
 */
export const eventContracts: Migration = {
  name: '0003-event-contracts',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await addOutboxVersionColumn(sequelize, schema);
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(
        `ALTER TABLE ${s}.processed_events ADD COLUMN type text NOT NULL DEFAULT '';
         UPDATE ${s}.tasks SET priority = 6 - priority;`,
        { transaction },
      );
    });
  },
};
