/**
 * Builds the web pages into web/dist with Vite, or only when they are missing or older than their
 * sources (`--if-stale`: what `npm test` and `npm start` run, so the services never serve stale
 * pages and an unchanged tree costs nothing). The stamp file names the newest source time built.
 *   tsx web/build.ts [--if-stale]
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, 'dist');
const stamp = join(dist, '.sources-mtime');

/** The pages' own sources and what they import from the services (the vocabularies). */
const sources = [
  ...['index.html', 'me.html', 'coordinator.html', 'site.html', 'vite.config.ts', 'package.json'].map((f) => join(here, f)),
  ...readdirSync(join(here, 'src')).map((f) => join(here, 'src', f)),
  ...readdirSync(join(here, 'public')).map((f) => join(here, 'public', f)),
  join(here, '../services/common/src/vocabulary.ts'),
  join(here, '../services/registration/src/vocabulary.ts'),
  join(here, '../services/registration/src/consent.ts'),
];

function newestSource(): number {
  return Math.max(...sources.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
}

export function isStale(): boolean {
  if (!existsSync(join(dist, 'index.html')) || !existsSync(stamp)) return true;
  return Number(readFileSync(stamp, 'utf8')) < newestSource();
}

export async function buildWeb(): Promise<void> {
  const newest = newestSource();
  await build({ configFile: join(here, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, String(newest));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
  await buildWeb();
  process.stdout.write(`built ${dist}\n`);
}
