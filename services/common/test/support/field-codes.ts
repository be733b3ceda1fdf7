/**
 * Every field-error code (`<field name>.<kind>`, see `fieldProblems` in src/validation.ts) that
 * parsing with a request schema can produce, read from the schema itself — so a client's table of
 * texts per code can be checked against what the API really sends, not against a hand-kept list.
 *
 * Walks zod 4's schema definitions: a missing or mistyped field (`invalid_type`, also a non-integer
 * number), length and range checks (`too_small`, `too_big`), formats, patterns, enums and literals
 * (`invalid`), strict objects (`unknown_field` on the object's own name), refinements (their
 * `params.code`, else `invalid`, on their `path` or the refined value's name) and transforms (a
 * transform may refuse its input with a custom issue: `invalid`).
 */
import type { z } from 'zod';
import { fieldName } from '../../src/errors.js';

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; params?: { code?: unknown }; path?: PropertyKey[] } } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  items?: z.ZodType[];
  /** string formats (`z.iso.datetime()`, `z.email()`, `z.uuid()`) carry their check in their own definition */
  format?: string;
}

const checkKinds: Record<string, string> = {
  min_length: 'too_small',
  max_length: 'too_big',
  length_equals: 'too_small',
  greater_than: 'too_small',
  less_than: 'too_big',
  string_format: 'invalid',
  number_format: 'invalid_type',
};

/** The codes `schema` can produce; `root` is the name a problem at the schema's own level gets (`body`). */
export function fieldCodesOf(schema: z.ZodType, root = 'body'): Set<string> {
  const codes = new Set<string>();
  walk(schema, root, codes);
  return codes;
}

function walk(schema: z.ZodType, name: string, codes: Set<string>): void {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const add = (kind: string, at = name) => codes.add(`${fieldName(at)}.${kind}`);
  for (const check of def.checks ?? []) {
    const { check: kind, params, path } = check._zod.def;
    if (kind === 'custom') {
      const last = path?.at(-1);
      add(typeof params?.code === 'string' ? params.code : 'invalid', last === undefined ? name : String(last));
    } else if (checkKinds[kind] !== undefined) add(checkKinds[kind]);
  }
  switch (def.type) {
    case 'object':
      add('invalid_type');
      if (def.catchall?._zod.def.type === 'never') add('unknown_field');
      for (const [key, child] of Object.entries(def.shape ?? {})) walk(child, key, codes);
      return;
    case 'array':
      add('invalid_type');
      if (def.element !== undefined) walk(def.element, name, codes);
      return;
    case 'tuple':
      add('invalid_type');
      for (const item of def.items ?? []) walk(item, name, codes);
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      if (def.innerType !== undefined) walk(def.innerType, name, codes);
      return;
    case 'pipe':
      if (def.in !== undefined) walk(def.in, name, codes);
      if (def.out !== undefined) walk(def.out, name, codes);
      return;
    case 'transform':
      add('invalid');
      return;
    case 'union':
      add('invalid');
      for (const option of def.options ?? []) walk(option, name, codes);
      return;
    case 'enum':
    case 'literal':
      add('invalid');
      return;
    default:
      if (def.format !== undefined) add('invalid');
      // string, number, boolean, …: the wrong type or a missing value
      add('invalid_type');
  }
}
