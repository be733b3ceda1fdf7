import { randomUUID } from 'node:crypto';
import type { Model, ModelStatic, Sequelize } from 'sequelize';
import type { EventTypeOf, PayloadIn, StreamKey } from '@kathelfer/contracts';
import { checked } from './publish.js';
import { preparedQuery } from './prepared-query.js';

export interface Insert {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model; only its metadata is read
  model: ModelStatic<Model<any, any>>;
  values: Record<string, unknown>;
}

/**
 * Inserts a row, its outbox event and any further rows in ONE statement (a data-modifying CTE):
 * atomic like a transaction, but one round trip instead of BEGIN, n INSERTs, COMMIT — on the hot
 * path of a surge that round-trip count is what bounds throughput. Column names and JSON types
 * come from the models, so this stays in step with their definitions. The event is checked against
 * its contract like `publish` does. Returns the event id.
 * @throws ContractViolation when `payload` breaks the contract (nothing is written then)
 */
export async function insertWithEvent<S extends StreamKey, T extends EventTypeOf<S>>(
  sequelize: Sequelize,
  schema: string,
  inserts: Insert[],
  stream: S,
  type: T,
  payload: PayloadIn<S, T>,
): Promise<string> {
  const event = checked(stream, type, payload);
  const bind: unknown[] = [];
  const param = (value: unknown, cast = '') => {
    bind.push(value);
    return `$${bind.length}${cast}`;
  };
  const ctes = inserts.map(({ model, values }, index) => {
    const attributes = model.getAttributes();
    const columns: string[] = [];
    const params: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const attribute = attributes[name];
      if (attribute === undefined) throw new Error(`${model.name} has no attribute ${name}`);
      const json = ['JSON', 'JSONB'].includes((attribute.type as { key?: string }).key ?? '');
      columns.push(`"${attribute.field ?? name}"`);
      params.push(json ? param(JSON.stringify(value), '::jsonb') : param(value));
    }
    return `i${index} AS (INSERT INTO "${schema}"."${model.tableName}" (${columns.join(', ')}) VALUES (${params.join(', ')}) RETURNING 1)`;
  });
  const id = randomUUID();
  const eventSql = `INSERT INTO "${schema}".outbox (id, stream, type, version, payload)
    SELECT ${param(id)}::uuid, ${param(stream)}, ${param(type)}, ${param(event.version)}::smallint, ${param(JSON.stringify(event.payload), '::jsonb')} FROM i0`;
  // The text depends only on which columns are given, so it is prepared once per connection.
  await preparedQuery(sequelize, `WITH ${ctes.join(',\n')} ${eventSql}`, bind);
  return id;
}
