import type { Migration } from '@kathelfer/common/db';

/**
 * Who is a person (issue 13): a family shares one landline, so a phone number alone identifies a
 * household, not a person. From now on a registration is a duplicate when its e-mail address is
 * registered already (unique, as before) or its phone number together with the same name (case
 * aside) is; two people with their own names may share a phone. (Namesakes sharing a phone, e.g.
 * father and son, tell themselves apart in the name, "sen."/"jun.".)
 *
 * Safe on a live table: names are first brought to NFC (what the API stores from now on), so the
 * new index compares them as they will be written; the pair index cannot fail to build, because
 * phone numbers were unique until now; only then the phone-only index goes. Forward-only: going
 * back would need the duplicates this migration allows to be resolved first.
 */
export const personNotPhone: Migration = {
  name: '0002-person-not-phone',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(`UPDATE ${s}.helpers SET name = normalize(name, NFC) WHERE name IS NOT NULL AND name IS NOT NFC NORMALIZED`, { transaction });
      await sequelize.query(
        `CREATE UNIQUE INDEX helpers_phone_name_unique ON ${s}.helpers (phone_e164, lower(name)) WHERE phone_e164 IS NOT NULL`,
        { transaction },
      );
      await sequelize.query(`DROP INDEX ${s}.helpers_phone_unique`, { transaction });
    });
  },
};
