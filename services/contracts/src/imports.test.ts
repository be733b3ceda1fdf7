import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';

const here = import.meta.dirname;

/** Every module of the workspace's src, with the modules it imports. */
function importsOf(dir: string): Array<{ file: string; from: string }> {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .flatMap((entry) => {
      const file = join(entry.parentPath, entry.name);
      return [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from\s+'([^']+)'/gms)].map((m) => ({ file: file.slice(dir.length + 1), from: m[1] ?? '' }));
    });
}

test('the contracts import nothing of the services or the web: only zod, node and each other', (t) => {
  const imports = importsOf(here);
  t.true(imports.some((i) => i.file.startsWith('api/')), 'the API response modules are read');
  t.deepEqual(
    imports.filter((i) => !(i.from === 'zod' || i.from.startsWith('node:') || i.from.startsWith('./') || i.from.startsWith('../'))),
    [],
  );
});
