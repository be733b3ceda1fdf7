import test from 'ava';
import { readFile } from 'node:fs/promises';
import { generatedFile, renderTypes } from './generate-types.js';

test('the TypeScript API types are what the CRDs in crds/ give (run `npm run generate -w operator` after changing a CRD)', async (t) => {
  t.is(await readFile(generatedFile, 'utf8'), await renderTypes());
});
