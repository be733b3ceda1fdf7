import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

test("the Dockerfile's dependency layer copies every workspace's package.json (npm ci refuses a lock file naming a workspace it can't find)", (t) => {
  const { workspaces } = JSON.parse(readFileSync(repo('package.json'), 'utf8')) as { workspaces: string[] };
  const dockerfile = readFileSync(repo('Dockerfile'), 'utf8');
  const copied = new Set([...dockerfile.matchAll(/^COPY (\S+)\/package\.json \1\/$/gm)].map((m) => m[1]));
  t.deepEqual(workspaces.filter((w) => !copied.has(w)), []);
});
