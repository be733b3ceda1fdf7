import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/**
 * Records, inside `transaction`, that something planning depends on changed for these incidents. The
 * sweep of every replica finds incidents whose changes no written round has seen yet, so a re-plan is
 * not lost when the replica that saw the change dies before planning.
 */
export async function markChanged(sequelize: Sequelize, schema: string, transaction: Transaction, incidentIdList: Iterable<string>): Promise<void> {
  const ids = [...new Set(incidentIdList)].sort();
  if (ids.length === 0) return;
  await sequelize.query(
    `INSERT INTO "${schema}".incident_state (incident_id, change_seq) SELECT unnest($1::text[]), 1
       ON CONFLICT (incident_id) DO UPDATE SET change_seq = "${schema}".incident_state.change_seq + 1`,
    { bind: [ids], transaction },
  );
}

/** Incidents with changes that no written round has planned yet. */
export async function incidentsNeedingRound(sequelize: Sequelize, schema: string): Promise<string[]> {
  const rows = await sequelize.query<{ incident_id: string }>(`SELECT incident_id FROM "${schema}".incident_state WHERE change_seq > planned_seq`, {
    type: QueryTypes.SELECT,
  });
  return rows.map((r) => r.incident_id);
}

/**
 * Keeps the bookkeeping tables small over a long incident: published outbox rows after a day, and
 * consumed event ids after 30 days (far beyond any redelivery; the bus drops duplicates for 7).
 */
export async function forgetPublished(sequelize: Sequelize, schema: string): Promise<void> {
  await sequelize.query(`DELETE FROM "${schema}".outbox WHERE sent_at < now() - interval '1 day'`);
  await sequelize.query(`DELETE FROM "${schema}".processed_events WHERE processed_at < now() - interval '30 days'`);
}
