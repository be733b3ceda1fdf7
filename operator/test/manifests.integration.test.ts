import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string }>;
  resources?: { limits?: { memory?: string } };
}

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (match === null) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

function containersOf(document: Record<string, unknown>): Container[] {
  const spec = document.spec as { template?: { spec?: { containers?: Container[] } }; jobTemplate?: { spec?: { template?: { spec?: { containers?: Container[] } } } } } | undefined;
  return spec?.template?.spec?.containers ?? spec?.jobTemplate?.spec?.template?.spec?.containers ?? [];
}

// Native memory (buffers, sockets, the pg and Redis clients, code) that is neither old space nor
// young generation; measured at 40–60 MiB for a service under 200 connections.
const nativeHeadroomMiB = 64;

for (const overlay of ['local', 'otc']) {
  test(`overlays/${overlay}: every Node container caps its heap below its memory limit, so a surge collects garbage instead of being OOM-killed`, async (t) => {
    const dir = fileURLToPath(new URL(`../../manifests/overlays/${overlay}`, import.meta.url));
    const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 1 << 24 });
    const containers = parseAllDocuments(stdout)
      .map((d) => d.toJS() as Record<string, unknown>)
      .flatMap((d) => containersOf(d).map((c) => ({ owner: `${String(d.kind)}/${String((d.metadata as { name: string }).name)}`, ...c })))
      .filter((c) => /kathelfer\/(operator|registration|tasks|matching)/.test(c.image));
    t.true(containers.length >= 5, `found ${containers.length} Node containers`);
    for (const c of containers) {
      const limit = c.resources?.limits?.memory;
      const options = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const oldSpace = /--max-old-space-size=(\d+)/.exec(options)?.[1];
      const semiSpace = /--max-semi-space-size=(\d+)/.exec(options)?.[1] ?? '16';
      if (limit === undefined || oldSpace === undefined) {
        t.fail(`${c.owner} (${c.name}) needs a memory limit and --max-old-space-size in NODE_OPTIONS`);
        continue;
      }
      // The young generation holds two semi-spaces.
      const peak = Number(oldSpace) + 2 * Number(semiSpace) + nativeHeadroomMiB;
      t.true(peak <= mebibytes(limit), `${c.owner} (${c.name}): heap caps + native ${peak} MiB exceed the limit ${limit}`);
    }
  });
}
