import test from 'ava';
import { createLogger } from '../src/logger.js';

test('a database error is logged with its message and code but without the statement, parameters or failing row', (t) => {
  const lines: string[] = [];
  const logger = createLogger({ name: 't', level: 'info' }, { write: (line: string) => void lines.push(line) });
  const error = Object.assign(new Error('duplicate key value violates unique constraint "helpers_phone_unique"'), {
    name: 'SequelizeUniqueConstraintError',
    sql: 'INSERT INTO helpers (name, phone_e164) VALUES ($1, $2)',
    parameters: ['Anna Beispiel', '+4915112345678'],
    parent: { code: '23505', detail: 'Key (phone_e164)=(+4915112345678) already exists.' },
  });
  logger.error({ err: error, requestId: 'r-1' }, 'unhandled error');
  const line = JSON.parse(lines[0] ?? '{}') as { err: Record<string, unknown>; requestId: string };
  t.is(line.requestId, 'r-1');
  t.like(line.err, { type: 'SequelizeUniqueConstraintError', code: '23505' });
  t.false(lines[0]?.includes('+4915112345678'));
  t.false(lines[0]?.includes('Anna'));
});

test('fields that name contact data are redacted wherever they are logged', (t) => {
  const lines: string[] = [];
  const logger = createLogger({ name: 't', level: 'info' }, { write: (line: string) => void lines.push(line) });
  logger.info({ helper: { phone: '+4915112345678', email: 'anna@example.org', name: 'Anna' }, contact: { phone: '+4915112345678' } }, 'oops');
  t.false(/\+4915112345678|anna@example\.org|Anna/.test(lines[0] ?? 'Anna'));
});
