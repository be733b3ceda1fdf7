import test from 'ava';
import { z } from 'zod';
import { toDomainError } from '../src/error-handler.js';
import { NotFoundError } from '../src/errors.js';

test('PostgreSQL unique violations (23505), also wrapped by Sequelize, are 409', (t) => {
  t.is(toDomainError(Object.assign(new Error('duplicate key'), { code: '23505' }))?.status, 409);
  t.is(toDomainError(Object.assign(new Error('Validation error'), { name: 'SequelizeUniqueConstraintError', parent: { code: '23505' } }))?.status, 409);
});

test('a lost or refused database connection is 503 with Retry-After, not 500', (t) => {
  const shutdown = toDomainError(Object.assign(new Error('terminating connection due to administrator command'), { name: 'SequelizeDatabaseError', parent: { code: '57P01' } }));
  t.is(shutdown?.status, 503);
  t.is(shutdown?.headers['Retry-After'], '1');
  t.is(toDomainError(Object.assign(new Error('connect ECONNREFUSED'), { name: 'SequelizeConnectionRefusedError' }))?.status, 503);
  t.is(toDomainError(Object.assign(new Error('Connection terminated unexpectedly'), { name: 'SequelizeDatabaseError' }))?.status, 503);
});

test('zod errors are 422 naming the fields; domain errors keep their status; bugs map to nothing (a bare 500)', (t) => {
  const zodError = z.object({ a: z.number() }).safeParse({ a: 'x' }).error;
  t.like(toDomainError(zodError)?.toProblem(), { status: 422, errors: [{ field: 'a' }] });
  t.is(toDomainError(new NotFoundError())?.status, 404);
  t.is(toDomainError(new TypeError('cannot read properties of undefined')), undefined);
  t.is(toDomainError(Object.assign(new Error('syntax error'), { name: 'SequelizeDatabaseError', parent: { code: '42601' } })), undefined);
});

test('PostgreSQL data exceptions (SQLSTATE class 22), also wrapped by Sequelize, are 400, not 500', (t) => {
  for (const code of ['22009', '22008', '22P02', '22021', '22003']) {
    const error = Object.assign(new Error('data exception'), { name: 'SequelizeDatabaseError', parent: { code } });
    t.like(toDomainError(error)?.toProblem(), { status: 400, type: 'https://kathelfer.de/problems/bad-request' }, code);
  }
  t.is(toDomainError(Object.assign(new Error('check violation'), { code: '23514' })), undefined, 'class 23 other than 23505 stays a bug');
});
