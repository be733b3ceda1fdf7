/**
 * Cuts a production install (`npm ci --omit=dev` of all workspaces) down to what W's bundle loads.
 * npm installs every workspace's production dependencies, even with --workspace (the registration
 * image carried the operator's 58 MiB Kubernetes client, the operator the services' Redis client),
 * and packages ship TypeScript declarations, source maps and docs that nothing reads at run time.
 *   tsx hack/src/prune-deps.ts <install dir> <workspace>
 * Keeps: the packages reachable from the bundle's externals (hack/src/build.ts) through
 * dependencies, optionalDependencies and installed peerDependencies, resolved as Node resolves
 * them (nested node_modules first, then upwards). Removes every other package, the workspace links
 * (the bundle has the workspaces inlined), and *.d.ts / *.map / *.md files inside kept packages.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalDependencies } from './build.js';

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The directory Node would load `name` from when required from a file in `from`, or undefined. */
export function resolvePackage(installRoot: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === installRoot || !dir.startsWith(installRoot)) return undefined;
  }
}

/**
 * The package directories reachable from `roots` (package names required by the bundle).
 * Throws when a required, non-optional dependency is not installed: the image would fail at run time.
 */
export function reachablePackages(installRoot: string, roots: string[]): Set<string> {
  const keep = new Set<string>();
  const visit = (from: string, name: string, optional: boolean, requiredBy: string): void => {
    const dir = resolvePackage(installRoot, from, name);
    if (dir === undefined) {
      if (optional) return;
      throw new Error(`${name} (required by ${requiredBy}) is not installed under ${installRoot}`);
    }
    if (keep.has(dir)) return;
    keep.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dir, dep, false, name);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dir, dep, true, name);
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) visit(dir, dep, true, name);
  };
  for (const name of roots) visit(installRoot, name, false, 'the bundle');
  return keep;
}

/** Every package directory under `nodeModules`, nested ones included (scopes descended into). */
function packageDirs(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(path)) out.push(join(path, scoped));
    } else {
      out.push(path);
    }
  }
  return out.flatMap((dir) => [dir, ...(lstatSync(dir).isSymbolicLink() ? [] : packageDirs(join(dir, 'node_modules')))]);
}

const runtimeUseless = /\.d\.[cm]?ts$|\.map$|\.md$|\.markdown$/i;

function removeRuntimeUseless(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') bytes += removeRuntimeUseless(path);
    } else if (entry.isFile() && runtimeUseless.test(entry.name)) {
      bytes += lstatSync(path).size;
      rmSync(path);
    }
  }
  return bytes;
}

/** Prunes `installRoot`/node_modules for `workspace`; returns what was removed (counts, bytes). */
export function pruneDependencies(installRoot: string, workspace: string): { kept: number; removed: number; bytes: number } {
  const nodeModules = join(installRoot, 'node_modules');
  // npm nests a dependency under the workspace when its version conflicts with the hoisted one;
  // the image has only the root node_modules, so such a dependency would be missing at run time.
  const nested = join(installRoot, workspace, 'node_modules');
  if (existsSync(nested) && readdirSync(nested).some((e) => !e.startsWith('.'))) {
    throw new Error(`${nested} holds production dependencies the image would not have (the Dockerfile copies ${nodeModules} only): align their versions with the other workspaces'`);
  }
  const keep = reachablePackages(installRoot, externalDependencies(workspace));
  let removed = 0;
  let bytes = 0;
  for (const dir of packageDirs(nodeModules)) {
    if (lstatSync(dir, { throwIfNoEntry: false }) === undefined) continue; // inside a package removed already
    if (keep.has(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  for (const dir of keep) bytes += removeRuntimeUseless(dir);
  // empty scope directories and npm's bin links into removed packages
  for (const entry of readdirSync(nodeModules)) {
    const path = join(nodeModules, entry);
    if (entry.startsWith('@') && readdirSync(path).length === 0) rmSync(path, { recursive: true });
  }
  rmSync(join(nodeModules, '.bin'), { recursive: true, force: true });
  return { kept: keep.size, removed, bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [installRoot, workspace] = process.argv.slice(2);
  if (installRoot === undefined || workspace === undefined) {
    process.stderr.write('usage: tsx hack/src/prune-deps.ts <install dir> <workspace>\n');
    process.exit(2);
  }
  const result = pruneDependencies(installRoot, workspace);
  process.stdout.write(`${relative(process.cwd(), installRoot) || '.'}: kept ${result.kept} packages for ${workspace}, removed ${result.removed} packages and ${Math.round(result.bytes / 1024)} KiB of declarations, source maps and docs\n`);
}
