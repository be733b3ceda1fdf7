import type { Migration } from '@kathelfer/common/db';
import { addOutboxVersionColumn } from '@kathelfer/common/outbox.model';

/** Each event records the contract version it follows (@kathelfer/contracts); what was written before is v1. */
export const outboxVersion: Migration = {
  name: '0005-outbox-version',
  async up({ context: { sequelize, schema } }) {
    await addOutboxVersionColumn(sequelize, schema);
  },
};
