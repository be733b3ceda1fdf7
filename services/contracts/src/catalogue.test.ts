import { readFileSync } from 'node:fs';
import test from 'ava';
import { architectureTable, tableBegin, tableEnd } from './architecture-table.js';
import { contracts, currentSchema, schemaOf, type EventContract, type StreamContract } from './catalogue.js';
import { priority, urgencyOf, type Priority } from './vocabulary.js';

test("the README's architecture section holds the table generated from the contracts", (t) => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(tableBegin);
  const end = readme.indexOf(tableEnd);
  t.true(start >= 0 && end > start, 'README.md has the contracts:table markers');
  const actual = readme.slice(start, end + tableEnd.length);
  t.is(actual, architectureTable(), 'regenerate it: npm run table -w services/contracts');
});

test('every stream is named as its key, and every event type has the version it writes among those it declares', (t) => {
  for (const [key, stream] of Object.entries(contracts) as Array<[string, StreamContract]>) {
    t.is(stream.name, key);
    for (const [type, contract] of Object.entries<EventContract>(stream.events)) {
      t.regex(type, /^[a-z]+\.[a-z]+$/, `${type}: noun.pastParticiple`);
      t.truthy(contract.versions[contract.current], `${key} ${type} declares v${contract.current}`);
      t.true(currentSchema(key as keyof typeof contracts, type).schema === contract.versions[contract.current]);
    }
  }
});

test('a type or version a stream does not declare has no schema', (t) => {
  t.is(schemaOf('tasks', 'task.deleted', 1), undefined);
  t.is(schemaOf('tasks', 'task.created', 99), undefined);
  t.throws(() => currentSchema('tasks', 'helper.registered'), { message: /declares no event type "helper.registered"/ });
});

test('a renamed field breaks the contract: the payload with the old name no longer parses', (t) => {
  const erased = schemaOf('registration', 'helper.erased', 1)!;
  const helperId = '6c1f7c5e-3a55-4c38-9d1d-0c2b5d0a5f11';
  t.true(erased.safeParse({ helperId }).success);
  t.false(erased.safeParse({ id: helperId }).success);
});

test('one priority scale: 1 is the most urgent, and the planner weight turns it exactly once', (t) => {
  t.true(priority.safeParse(1).success);
  t.false(priority.safeParse(0).success);
  t.false(priority.safeParse(6).success);
  t.false(priority.safeParse(2.5).success);
  t.deepEqual(([1, 2, 3, 4, 5] as Priority[]).map(urgencyOf), [5, 4, 3, 2, 1]);
});
