import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { QueryTypes } from 'sequelize';
import { postJson, startRegistration, testEnv, validBody } from './support/registration.js';

const server = join(dirname(fileURLToPath(import.meta.url)), '../src/server.ts');

test('the retention command anonymizes helpers of incidents ended before the retention period, and exits 0', async (t) => {
  const env = testEnv({ RETENTION_DAYS: '7' });
  const svc = await startRegistration(env);
  try {
    const register = async (incidentId: string) =>
      ((await (await postJson(`${svc.url}/v1/helpers`, validBody({ incidentId }))).json()) as { id: string }).id;
    const old = await register('storm-old');
    const recent = await register('storm-recent');
    await svc.registration.service.setIncident('storm-old', new Date(Date.now() - 8 * 24 * 3600 * 1000));
    await svc.registration.service.setIncident('storm-recent', new Date(Date.now() - 2 * 24 * 3600 * 1000));

    await promisify(execFile)(process.execPath, ['--import', 'tsx', server, 'retention'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });

    const rows = await svc.registration.sequelize.query<{ id: string; status: string; name: string | null }>(
      `SELECT id, status, name FROM "${svc.schema}".helpers WHERE id = ANY($1::uuid[]) ORDER BY status`,
      { bind: [[old, recent]], type: QueryTypes.SELECT },
    );
    t.deepEqual(rows.map((r) => [r.id, r.status, r.name === null]), [
      [recent, 'active', false],
      [old, 'erased', true],
    ]);
  } finally {
    await svc.close();
  }
});
