/**
 * `npm run build`: bundles each deployable (the operator, and each service's server) into one ES
 * module under its workspace's dist/, with esbuild. Workspace packages (@kathelfer/*) are bundled in
 * from their TypeScript sources. The services bundle their npm dependencies too (all pure
 * JavaScript); the operator's stay external and are installed in the image with
 * `npm ci --omit=dev` (hack/src/prune-deps.ts keeps only those).
 *   tsx hack/src/build.ts [workspace …]
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The deployables: workspace → entry point. */
export const entries: Record<string, string> = {
  operator: 'src/main.ts',
  'services/registration': 'src/server.ts',
  'services/tasks': 'src/server.ts',
  'services/matching': 'src/server.ts',
};

/**
 * npm packages bundled into a deployable instead of loaded from node_modules, and why.
 * - operator: @dot-i/k8s-operator 1.3.9 pins @kubernetes/client-node 0.20, a second Kubernetes
 *   client (~25 MiB resident, bench:operator) that only its constructor uses (KubeConfig,
 *   makeApiClient — both in 1.x too). Bundled, its `require('@kubernetes/client-node')` resolves
 *   from the bundle to the operator's own client-node 1.x (Node ≥ 20.19 requires ES modules).
 * - the services: every npm dependency. Node resolved and read ~130 packages (package.json
 *   lookups, stat calls, hundreds of small files) on each start; that was most of a pod's start-up
 *   before readiness, the part of a surge the platform owns. One file loads ~20–30 % faster on
 *   this machine (registration to /readyz on the host, alternating runs). None of them loads
 *   WebAssembly, native or data files by path, which must stay external (a package that does so
 *   goes into `keptExternal`).
 */
const bundledIn: Record<string, string[] | 'all'> = {
  operator: ['@dot-i/k8s-operator'],
  'services/registration': 'all',
  'services/tasks': 'all',
  'services/matching': 'all',
};

/** npm packages a bundle always loads from node_modules (files read by path: WebAssembly, native). */
const keptExternal = ['highs'];

/**
 * Modules that dependencies require only for features the platform does not use, and that are not
 * installed: left as run-time requires (they would throw only if that feature were used).
 * pg-native: pg's native binding (`pg.native`); pg-hstore: Sequelize's HSTORE type.
 */
const notInstalled = ['pg-native', 'pg-hstore'];

interface PackageJson { name: string; dependencies?: Record<string, string> }
const workspaces: string[] = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
const byName = new Map<string, string>(
  workspaces.map((w) => [(JSON.parse(readFileSync(join(root, w, 'package.json'), 'utf8')) as PackageJson).name, w]),
);

/** npm packages the workspace needs at run time, through its workspace dependencies too. */
export function runtimeDependencies(workspace: string, seen = new Set<string>()): Set<string> {
  const pkg = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')) as PackageJson;
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const local = byName.get(dep);
    if (local !== undefined) runtimeDependencies(local, seen);
    else seen.add(dep);
  }
  return seen;
}

/** npm packages a deployable's bundle loads from node_modules at run time (the bundle's externals). */
export function externalDependencies(workspace: string): string[] {
  const bundled = bundledIn[workspace] ?? [];
  return [...runtimeDependencies(workspace)].filter((d) => (bundled === 'all' ? keptExternal.includes(d) : !bundled.includes(d)));
}

export async function bundle(workspace: string): Promise<string> {
  const entry = entries[workspace];
  if (entry === undefined) throw new Error(`${workspace} has no entry point to bundle`);
  const outfile = join(root, workspace, 'dist', entry.replace(/^src\//, '').replace(/\.ts$/, '.js'));
  const external = [...externalDependencies(workspace), ...notInstalled].flatMap((d) => [d, `${d}/*`]);
  await build({
    entryPoints: [join(root, workspace, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // stack traces (node --enable-source-maps) need the mappings, not the sources: a third of the size
    sourcemap: true,
    sourcesContent: false,
    external,
    logLevel: 'warning',
    // import.meta.url keeps pointing at the bundle; CommonJS dependencies need a require.
    banner: { js: "import { createRequire as __kathelferCreateRequire } from 'node:module'; const require = __kathelferCreateRequire(import.meta.url);" },
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const requested = process.argv.slice(2);
  const targets = requested.length > 0 ? requested : Object.keys(entries).filter((w) => workspaces.includes(w) && existsSync(join(root, w, entries[w] ?? '')));
  for (const w of targets) process.stdout.write(`built ${await bundle(w)}\n`);
}
