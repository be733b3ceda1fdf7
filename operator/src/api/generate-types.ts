/**
 * The CRDs in crds/ are the one source of truth for the API: this renders their OpenAPI schemas as
 * TypeScript types (src/api/types.generated.ts). `npm run generate -w operator` writes the file; a
 * test fails when the committed file differs from what the CRDs give, so the two cannot drift.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { parse } from 'yaml';

const crdDir = fileURLToPath(new URL('../../../crds/', import.meta.url));
export const generatedFile = fileURLToPath(new URL('./types.generated.ts', import.meta.url));
const kinds = ['kathelfer.io_disasterevents.yaml', 'kathelfer.io_surgeplans.yaml'];

interface Crd {
  spec: { names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: JSONSchema } }> };
}

/** Kubernetes schema dialect → plain JSON Schema, and metadata typed as the real V1ObjectMeta. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'default') continue;
    out[key] = toJsonSchema(value);
  }
  if (out.type === 'object' && out.properties === undefined) out.additionalProperties = true;
  else if (out.type === 'object') out.additionalProperties = false;
  return out;
}

/** Every `default` of the schema by its field path, so code and CRD share one value. */
function collectDefaults(node: unknown, path: string, out: Record<string, unknown>): void {
  if (node === null || typeof node !== 'object') return;
  const schema = node as { default?: unknown; properties?: Record<string, unknown> };
  if (schema.default !== undefined && path !== '') out[path] = schema.default;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    collectDefaults(child, path === '' ? key : `${path}.${key}`, out);
  }
}

export async function renderTypes(): Promise<string> {
  const defaults: Record<string, Record<string, unknown>> = {};
  const parts: string[] = [
    '// Generated from crds/*.yaml by src/api/generate-types.ts (npm run generate -w operator). Do not edit.',
    "import type { V1ObjectMeta } from '@kubernetes/client-node';",
  ];
  for (const file of kinds) {
    // not client-node's loadYaml: it renames enum and default to _enum and _default
    const crd = parse(await readFile(crdDir + file, 'utf8')) as Crd;
    const version = crd.spec.versions[0];
    if (version === undefined) throw new Error(`${file} has no version`);
    const schema = toJsonSchema(version.schema.openAPIV3Schema) as JSONSchema & { properties: Record<string, JSONSchema> };
    collectDefaults(version.schema.openAPIV3Schema, '', (defaults[crd.spec.names.kind] = {}));
    schema.properties.metadata = { tsType: 'V1ObjectMeta' };
    schema.title = crd.spec.names.kind;
    const ts = await compile(schema, crd.spec.names.kind, {
      bannerComment: '',
      additionalProperties: false,
      strictIndexSignatures: true,
      format: false,
    });
    parts.push(ts.trim());
  }
  parts.push(
    `/** The defaults the API server fills in, by field path. */\nexport const crdDefaults = ${JSON.stringify(defaults, null, 2)} as const;`,
  );
  return `${parts.join('\n\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(generatedFile, await renderTypes());
  process.stdout.write(`wrote ${generatedFile}\n`);
}
