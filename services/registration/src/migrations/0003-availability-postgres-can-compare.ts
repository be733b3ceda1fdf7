import { timestamp } from '@kathelfer/common/fields';
import type { Migration } from '@kathelfer/common/db';
import { QueryTypes } from 'sequelize';

interface Window {
  from: string;
  to: string;
}

/** `value` as stored before, if PostgreSQL can cast it; the same instant in UTC if only its offset is out of range; else undefined. */
function comparable(value: string): string | undefined {
  if (timestamp.safeParse(value).success) return value;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const utc = new Date(ms).toISOString();
  return timestamp.safeParse(utc).success ? utc : undefined;
}

/**
 * Availability windows are stored as the strings people sent, and `GET /v1/helpers?availableAt=`
 * casts them to timestamptz. Until issue 13 the schema accepted offsets beyond ±15:59 and year 0,
 * which PostgreSQL cannot cast (22009, 22008): one such row broke that search for everyone. This
 * rewrites those windows to the same instants in UTC, and drops a window with no instant
 * PostgreSQL holds (year 0). Rows that are fine are not touched; forward-only and idempotent.
 */
export const availabilityPostgresCanCompare: Migration = {
  name: '0003-availability-postgres-can-compare',
  async up({ context: { sequelize, schema } }) {
    const s = `"${schema}"`;
    await sequelize.transaction(async (transaction) => {
      const rows = await sequelize.query<{ id: string; availability: Window[] }>(
        `SELECT id, availability FROM ${s}.helpers WHERE availability::text ~ '[+-](1[6-9]|2[0-9]):[0-9][0-9]"|"0000-'`,
        { type: QueryTypes.SELECT, transaction },
      );
      for (const row of rows) {
        const windows = row.availability.flatMap((w) => {
          const from = comparable(w.from);
          const to = comparable(w.to);
          return from === undefined || to === undefined ? [] : [{ from, to }];
        });
        await sequelize.query(`UPDATE ${s}.helpers SET availability = $1::jsonb WHERE id = $2`, { bind: [JSON.stringify(windows), row.id], transaction });
      }
    });
  },
};
