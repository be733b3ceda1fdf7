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

interface PodSpec {
  containers: Array<Container & { livenessProbe?: object; startupProbe?: object; command?: string[]; imagePullPolicy?: string; securityContext?: { readOnlyRootFilesystem?: boolean }; volumeMounts?: Array<{ name: string; mountPath: string }>; envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }> }>;
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key?: string; operator?: string; value?: string; effect?: string }>;
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: Array<{ name: string; emptyDir?: object }>;
}

interface Rendered { kind: string; metadata: { name: string }; spec?: Record<string, unknown>; stringData?: Record<string, string>; data?: Record<string, string> }

async function render(overlay: string): Promise<Rendered[]> {
  const dir = fileURLToPath(new URL(`../../manifests/overlays/${overlay}`, import.meta.url));
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 1 << 24 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as Rendered);
}

/** The pod templates of the platform's workloads (Deployments and CronJobs), by owner. */
function podSpecs(documents: Rendered[]): Array<{ owner: string; pod: PodSpec }> {
  return documents.flatMap((d) => {
    const spec = d.spec as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
    const pod = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
    return pod === undefined ? [] : [{ owner: `${d.kind}/${d.metadata.name}`, pod }];
  });
}

for (const overlay of ['local', 'otc']) {
  test(`overlays/${overlay}: every workload keeps the image's tini entrypoint and runs unprivileged on a read-only root with a writable /tmp`, async (t) => {
    const workloads = podSpecs(await render(overlay));
    t.true(workloads.length >= 5, `found ${workloads.length} workloads`);
    for (const { owner, pod } of workloads) {
      t.true(pod.securityContext?.runAsNonRoot, `${owner} must run as non-root`);
      for (const c of pod.containers) {
        // A command replaces the ENTRYPOINT (tini → node): SIGTERM would then hit node as PID 1,
        // which has no default signal handlers, and zombies would not be reaped.
        t.is(c.command, undefined, `${owner} (${c.name}) overrides the image's entrypoint; pass args instead`);
        t.true(c.securityContext?.readOnlyRootFilesystem, `${owner} (${c.name}) needs a read-only root filesystem`);
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        t.truthy(tmp && pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir, `${owner} (${c.name}) needs an emptyDir at /tmp`);
      }
    }
  });
}

test('overlays/local: every workload runs the locally built image on the real node only', async (t) => {
  const workloads = podSpecs(await render('local'));
  for (const { owner, pod } of workloads) {
    t.is(pod.nodeSelector?.['kathelfer.io/real-node'], 'true', `${owner} must select the real node`);
    t.true(
      (pod.tolerations ?? []).some((x) => x.key === 'kathelfer.io/real-node' && x.value === 'true' && x.effect === 'NoSchedule' && x.operator === 'Equal'),
      `${owner} must tolerate the real node's taint kathelfer.io/real-node=true:NoSchedule`,
    );
    for (const c of pod.containers) {
      t.regex(c.image, /^localhost\/kathelfer\/(operator|registration|tasks|matching):local$/, `${owner} (${c.name})`);
      t.is(c.imagePullPolicy, 'IfNotPresent', `${owner} (${c.name}): there is no registry to pull the local image from`);
    }
  }
});

test('overlays/local: every namespaced object, generated Secrets included, lands in namespace kathelfer (a Secret in the default namespace left every service pod waiting)', async (t) => {
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass']);
  const documents = (await render('local')) as Array<Rendered & { metadata: { namespace?: string } }>;
  const elsewhere = documents.filter((d) => !clusterScoped.has(d.kind) && d.metadata.namespace !== 'kathelfer').map((d) => `${d.kind}/${d.metadata.name}`);
  t.deepEqual(elsewhere, []);
});

test('overlays/local: every Deployment has a PodDisruptionBudget, as in the cloud', async (t) => {
  const documents = await render('local');
  const budgets = documents.filter((d) => d.kind === 'PodDisruptionBudget').map((d) => (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels);
  for (const d of documents.filter((x) => x.kind === 'Deployment')) {
    const labels = (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    t.true(budgets.some((b) => Object.entries(b).every(([k, v]) => labels[k] === v)), `Deployment/${d.metadata.name} has no PodDisruptionBudget`);
  }
});

test('overlays/local: the services read the datastores from the one Secret kathelfer-datastores, which wins over kathelfer-secrets', async (t) => {
  const documents = await render('local');
  const secret = (name: string): Record<string, string> => {
    const s = documents.find((d) => d.kind === 'Secret' && d.metadata.name === name);
    return Object.fromEntries(Object.entries({ ...s?.data }).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  };
  t.regex(secret('kathelfer-datastores').DATABASE_URL ?? '', /^postgres:\/\//);
  t.regex(secret('kathelfer-datastores').REDIS_URL ?? '', /^redis:\/\//);
  t.false('DATABASE_URL' in secret('kathelfer-secrets') || 'REDIS_URL' in secret('kathelfer-secrets'), 'a second copy of the addresses would drift');
  const services = podSpecs(documents).filter(({ pod }) => pod.containers.some((c) => /kathelfer\/(registration|tasks|matching):/.test(c.image)));
  t.true(services.length >= 4, `found ${services.length} service workloads`);
  for (const { owner, pod } of services) {
    const refs = (pod.containers[0]?.envFrom ?? []).map((e) => e.secretRef?.name ?? e.configMapRef?.name);
    t.true(refs.indexOf('kathelfer-datastores') > refs.indexOf('kathelfer-secrets'), `${owner}: envFrom ${refs.join(', ')}`);
  }
});

for (const overlay of ['local', 'otc']) {
  test(`overlays/${overlay}: node starts with every container's NODE_OPTIONS and NODE_FLAGS (node refuses some V8 flags in NODE_OPTIONS)`, async (t) => {
    const containers = podSpecs(await render(overlay)).flatMap(({ owner, pod }) => pod.containers.map((c) => ({ owner, ...c })));
    const checked = new Set<string>();
    for (const c of containers) {
      const options = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const flags = c.env?.find((e) => e.name === 'NODE_FLAGS')?.value ?? '';
      if (checked.has(`${options}|${flags}`)) continue;
      checked.add(`${options}|${flags}`);
      // As the image's entrypoint runs node: NODE_OPTIONS from the environment, NODE_FLAGS as arguments.
      const started = await run(process.execPath, [...flags.split(' ').filter(Boolean), '-e', 'process.stdout.write("ok")'], { env: { PATH: process.env.PATH, NODE_OPTIONS: options } })
        .then((r) => r.stdout, (error: Error) => error.message);
      t.is(started, 'ok', `${c.owner} (${c.name}): NODE_OPTIONS="${options}" NODE_FLAGS="${flags}"`);
    }
    t.true(checked.size >= 2);
  });
}

for (const overlay of ['local', 'otc']) {
  test(`overlays/${overlay}: every container with a liveness probe has a startup probe (on a busy node the operator was killed before it listened)`, async (t) => {
    const containers = podSpecs(await render(overlay)).flatMap(({ owner, pod }) => pod.containers.map((c) => ({ owner, ...c })));
    const live = containers.filter((c) => c.livenessProbe !== undefined);
    t.true(live.length >= 4, `found ${live.length} containers with a liveness probe`);
    for (const c of live) t.truthy(c.startupProbe, `${c.owner} (${c.name}): the liveness probe can kill it while it still starts`);
  });
}
