/**
 * The operator process: watches DisasterEvents, SurgePlans, Deployments and HPAs into caches, and
 * reconciles a namespace whenever anything in it changes (whatever the change was: the planner
 * looks at the whole namespace), at the wake-ups the planner asks for, and once a minute as a
 * safety net. Only the leader writes; the other replica keeps warm caches to take over at once.
 */
import dotI, { ResourceEventType, ResourceMetaImpl, type ResourceEvent } from '@dot-i/k8s-operator';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { annotations, group, version } from './api/annotations.js';
import type { DisasterEvent, SurgePlan } from './api/types.generated.js';
import { Applier } from './kube/applier.js';
import { resilientInformer, type InformerHandle } from './kube/resilient-informer.js';
import { planNamespace } from './planner/surge-planner.js';
import type { NamespaceState } from './planner/model.js';
import { LeaderElector } from './runtime/leader-election.js';
import type { Metrics } from './runtime/metrics.js';
import { BackgroundTasks } from './runtime/background-tasks.js';
import { WorkQueue } from './runtime/work-queue.js';

const Operator = dotI.default;

export interface OperatorConfig {
  dryRun: boolean;
  leaderElection: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  resyncSeconds: number;
  /** Namespaces reconciled at once (each one is only ever worked on by one worker). @default 8 */
  concurrency?: number;
  /** Namespaces to watch and manage; empty means all namespaces (cluster-wide RBAC needed). */
  watchNamespaces: string[];
  /** Loads the kubeconfig; tests pass one, production uses KUBECONFIG or the in-cluster account. */
  kubeConfig?: k8s.KubeConfig;
}

type Kinds = {
  events: InformerHandle<DisasterEvent & k8s.KubernetesObject>;
  plans: InformerHandle<SurgePlan & k8s.KubernetesObject>;
  deployments: InformerHandle<k8s.V1Deployment>;
  hpas: InformerHandle<k8s.V2HorizontalPodAutoscaler>;
};

export class SurgeOperator extends Operator {
  private readonly kc: k8s.KubeConfig;
  private readonly applier: Applier;
  private readonly queue: WorkQueue;
  private readonly recorder = new BackgroundTasks(8);
  private readonly readyGauges = new Map<string, Set<string>>();
  /** How long target changes are coalesced before their namespace is reconciled. */
  private readonly coalesceMs = 250;
  private readonly elector: LeaderElector | undefined;
  private caches: Partial<Kinds> = {};
  private resync: NodeJS.Timeout | undefined;
  private leading = false;
  private readonly log: Logger;

  constructor(
    private readonly config: OperatorConfig,
    logger: Logger,
    private readonly metrics: Metrics,
  ) {
    super({
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    });
    this.log = logger;
    this.kc = config.kubeConfig ?? loadDefaultKubeConfig();
    this.applier = new Applier(this.kc, logger, { dryRun: config.dryRun, identity: config.identity });
    this.queue = new WorkQueue(
      (namespace) => this.reconcile(namespace),
      (namespace, error, retryInMs) => {
        this.metrics.reconcileErrors.inc();
        this.log.error({ namespace, err: error instanceof Error ? error.message : String(error), retryInMs }, 'reconcile failed; retrying');
      },
      config.concurrency ?? 8,
    );
    this.elector = config.leaderElection
      ? new LeaderElector({
          kubeConfig: this.kc,
          namespace: config.leaseNamespace,
          name: config.leaseName,
          identity: config.identity,
          logger,
          onStartedLeading: () => this.setLeading(true),
          onStoppedLeading: () => this.setLeading(false),
        })
      : undefined;
  }

  /** True once every cache has listed its kind. */
  synced(): boolean {
    const c = this.caches;
    return [c.events, c.plans, c.deployments, c.hpas].every((h) => h?.synced() === true);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Waits until the queue is empty and every Event is recorded (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.queue.idle();
    await this.recorder.idle();
  }

  protected async init(): Promise<void> {
    const enqueue = (event: ResourceEvent): Promise<void> => {
      if (event.meta.namespace !== undefined) this.queue.add(event.meta.namespace);
      this.metrics.queueDepth.set(this.queue.length);
      return Promise.resolve();
    };
    // A surge makes every target's status change with each pod that turns ready; coalescing those
    // for a moment spares the API server a status write per pod. Incidents and plans act at once.
    const enqueueCoalesced = (event: ResourceEvent): Promise<void> => {
      if (event.meta.namespace !== undefined) this.queue.addAt(event.meta.namespace, new Date(Date.now() + this.coalesceMs));
      return Promise.resolve();
    };
    await this.watchResource(group, version, 'disasterevents', enqueue);
    await this.watchResource(group, version, 'surgeplans', enqueue);
    await this.watchResource('apps', 'v1', 'deployments', enqueueCoalesced);
    await this.watchResource('autoscaling', 'v2', 'horizontalpodautoscalers', enqueueCoalesced);
    this.resync = setInterval(() => this.enqueueAll(), this.config.resyncSeconds * 1000);
    this.resync.unref();
    if (this.elector !== undefined) this.elector.start();
    else this.setLeading(true);
  }

  /**
   * Replaces @dot-i/k8s-operator's watch, which exits the process on any watch error, with a cache
   * that lists and watches again with backoff (see resilient-informer.ts). Same signature and event
   * shape, so handlers written for the base class work unchanged.
   */
  protected override async watchResource(
    apiGroup: string,
    apiVersion: string,
    plural: string,
    onEvent: (event: ResourceEvent) => Promise<void>,
  ): Promise<void> {
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    const apps = this.kc.makeApiClient(k8s.AppsV1Api);
    const autoscaling = this.kc.makeApiClient(k8s.AutoscalingV2Api);
    const base = apiGroup === '' ? `/api/${apiVersion}` : `/apis/${apiGroup}/${apiVersion}`;
    const list = (namespace: string | undefined) => async (): Promise<k8s.KubernetesListObject<k8s.KubernetesObject>> => {
      if (plural === 'deployments') return namespace === undefined ? apps.listDeploymentForAllNamespaces() : apps.listNamespacedDeployment({ namespace });
      if (plural === 'horizontalpodautoscalers') {
        return namespace === undefined ? autoscaling.listHorizontalPodAutoscalerForAllNamespaces() : autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace });
      }
      const items: unknown = namespace === undefined
        ? await custom.listClusterCustomObject({ group: apiGroup, version: apiVersion, plural })
        : await custom.listNamespacedCustomObject({ group: apiGroup, version: apiVersion, namespace, plural });
      return items as k8s.KubernetesListObject<k8s.KubernetesObject>;
    };
    const scopes = this.config.watchNamespaces.length === 0 ? [undefined] : this.config.watchNamespaces;
    const handles = await Promise.all(
      scopes.map((namespace) => {
        const path = namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${namespace}/${plural}`;
        this.log.info({ path }, 'watching');
        return resilientInformer<k8s.KubernetesObject>({
          kubeConfig: this.kc,
          path,
          list: list(namespace),
          logger: this.log,
          onChange: (object) => {
            if (object.apiVersion === undefined) object.apiVersion = apiGroup === '' ? apiVersion : `${apiGroup}/${apiVersion}`;
            if (object.metadata?.resourceVersion === undefined || object.kind === undefined) {
              if (object.metadata?.namespace !== undefined) this.queue.add(object.metadata.namespace);
              return;
            }
            void onEvent({ meta: ResourceMetaImpl.createWithPlural(plural, object), object, type: ResourceEventType.Modified });
          },
          onResync: () => this.enqueueAll(),
        });
      }),
    );
    const handle: InformerHandle<k8s.KubernetesObject> = {
      list: (namespace) => handles.flatMap((h) => [...h.list(namespace)]),
      synced: () => handles.every((h) => h.synced()),
      stop: async () => {
        await Promise.all(handles.map((h) => h.stop()));
      },
    };
    const key = ({ disasterevents: 'events', surgeplans: 'plans', deployments: 'deployments', horizontalpodautoscalers: 'hpas' } as const)[plural as 'disasterevents'];
    (this.caches as Record<string, unknown>)[key] = handle;
  }

  override stop(): void {
    void this.shutdown();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.resync);
    this.queue.close();
    await this.recorder.idle();
    await this.elector?.stop();
    await Promise.all(Object.values(this.caches).map((h) => h.stop()));
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.metrics.isLeader.set(leading ? 1 : 0);
    if (leading) this.enqueueAll();
  }

  private enqueueAll(): void {
    const namespaces = new Set<string>();
    for (const o of [...(this.caches.plans?.list() ?? []), ...(this.caches.events?.list() ?? [])]) {
      if (o.metadata?.namespace !== undefined) namespaces.add(o.metadata.namespace);
    }
    for (const ns of namespaces) this.queue.add(ns);
  }

  /** fetch (from the caches) → plan (pure) → apply → write status once → record Events. */
  private async reconcile(namespace: string): Promise<Date | undefined> {
    const { events, plans, deployments, hpas } = this.caches;
    if (!this.leading || events === undefined || plans === undefined || deployments === undefined || hpas === undefined) return undefined;
    this.metrics.queueDepth.set(this.queue.length);
    const end = this.metrics.reconcileDuration.startTimer();
    const state: NamespaceState = {
      namespace,
      events: structuredClone([...events.list(namespace)]),
      plans: structuredClone([...plans.list(namespace)]),
      deployments: [...deployments.list(namespace)],
      hpas: [...hpas.list(namespace)],
      eventsKnown: events.synced(),
      now: new Date(),
    };
    const marked = (o: { metadata?: { annotations?: Record<string, string> } }) => o.metadata?.annotations?.[annotations.appliedFloor] !== undefined;
    if (state.plans.length === 0 && state.events.length === 0 && !state.deployments.some(marked) && !state.hpas.some(marked)) {
      end({ result: 'empty' });
      return undefined;
    }
    try {
      const plan = planNamespace(state);
      // Targets are independent objects: patch them all at once, the surge waits for the slowest only.
      await Promise.all(plan.patches.map(async (patch) => {
        await this.applier.patchTarget(namespace, patch);
        this.metrics.scaleActions.inc({ kind: patch.kind });
      }));
      // Statuses are independent objects too; each is written only if it changed.
      const writes: Array<Promise<unknown>> = [];
      for (const p of state.plans) {
        const name = p.metadata?.name ?? '';
        const status = plan.planStatuses.get(name);
        if (status !== undefined) writes.push(this.applier.writeStatus(namespace, 'surgeplans', name, p.status, status));
        this.metrics.targetReplicas.set({ namespace, target: p.spec.targetRef.name, kind: 'floor' }, status?.floor ?? 0);
        this.metrics.targetReplicas.set({ namespace, target: p.spec.targetRef.name, kind: 'desired' }, status?.desiredReplicas ?? 0);
        this.metrics.targetReplicas.set({ namespace, target: p.spec.targetRef.name, kind: 'ready' }, status?.readyReplicas ?? 0);
      }
      const active = [0, 0, 0, 0];
      for (const e of state.events) {
        const name = e.metadata?.name ?? '';
        const status = plan.eventStatuses.get(name);
        if (status === undefined) continue;
        writes.push(this.applier.writeStatus(namespace, 'disasterevents', name, e.status, status));
        if (status.timeToSurgeSeconds !== undefined && e.status?.timeToSurgeSeconds === undefined) this.metrics.timeToSurge.observe(status.timeToSurgeSeconds);
        if (status.phase === 'Surging' || status.phase === 'Ready') {
          active[e.spec.severity - 1] = (active[e.spec.severity - 1] ?? 0) + 1;
          this.metrics.eventReady.set({ namespace, event: name }, status.phase === 'Ready' ? 1 : 0);
        } else {
          this.metrics.eventReady.remove({ namespace, event: name });
        }
      }
      active.forEach((n, i) => this.metrics.activeEvents.set({ namespace, severity: String(i + 1) }, n));
      // a deleted event leaves no status phase behind: drop its series here
      const present = new Set(state.events.map((e) => e.metadata?.name ?? ''));
      for (const name of this.readyGauges.get(namespace) ?? []) if (!present.has(name)) this.metrics.eventReady.remove({ namespace, event: name });
      this.readyGauges.set(namespace, present);
      await Promise.all(writes);
      // Events are best effort and must not hold up the next namespace: recorded in the background.
      for (const kubeEvent of plan.kubeEvents) this.recorder.push(() => this.applier.record(namespace, kubeEvent));
      end({ result: 'ok' });
      return plan.wakeAt;
    } catch (error) {
      end({ result: 'error' });
      throw error;
    }
  }
}

function loadDefaultKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}
