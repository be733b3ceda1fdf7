import type { Migration } from '@kathelfer/common/db';

/**
 * The self-service tokens registration issued, as SHA-256 hashes from its helper events, so a
 * helper can use the one link they have here too (their check-in codes). Nothing else of a helper:
 * no name, no contact, no skills. `erased_helpers` keeps an erased helper from coming back through
 * a late or redelivered event.
 */
export const helperTokens: Migration = {
  name: '0002-helper-tokens',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.query(`
      CREATE TABLE ${s}.helper_tokens (
        helper_id uuid PRIMARY KEY,
        incident_id text,
        token_hash text NOT NULL UNIQUE,
        source_at timestamptz NOT NULL
      );
      CREATE TABLE ${s}.erased_helpers (
        helper_id uuid PRIMARY KEY,
        erased_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  },
  async down({ context: { sequelize, schema } }) {
    await sequelize.query(`DROP TABLE "${schema}".helper_tokens; DROP TABLE "${schema}".erased_helpers;`);
  },
};
