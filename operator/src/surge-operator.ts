/**
 * The operator process: watches DisasterEvents, SurgePlans, Deployments and HPAs into caches, and
 * reconciles a namespace whenever anything in it changes (whatever the change was: the planner
 * looks at the whole namespace), at the wake-ups the planner asks for, and once a minute as a
 * safety net. Only the leader writes; the other replica keeps warm caches to take over at once.
 */
import dotI from '@dot-i/k8s-operator';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { annotations } from './api/annotations.js';
import { Applier, type PatchResult } from './kube/applier.js';
import { everyCache, startCaches, type Caches } from './kube/caches.js';
import { usePooledConnections } from './kube/kube-http.js';
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
  /** Namespaces reconciled at once (each one is only ever worked on by one worker). @default 16 */
  concurrency?: number;
  /** Namespaces to watch and manage; empty means all namespaces (cluster-wide RBAC needed). */
  watchNamespaces: string[];
  /** The cap on any floor, whatever a SurgePlan and an incident ask (replicas). @default 100 */
  maxReplicas?: number;
  /** The API server ends each watch after this long (s); silent longer (+ 10 s) means dead. @default 60 */
  watchTimeoutSeconds?: number;
  /** A request or list without an answer for this long fails and is retried (s). @default 30 */
  requestTimeoutSeconds?: number;
  /** Loads the kubeconfig; tests pass one, production uses KUBECONFIG or the in-cluster account. */
  kubeConfig?: k8s.KubeConfig;
}

export class SurgeOperator extends Operator {
  private readonly kc: k8s.KubeConfig;
  private readonly applier: Applier;
  private readonly queue: WorkQueue;
  /** Events are best effort: a few at a time, so they never take the API server from the patches. */
  private readonly recorder = new BackgroundTasks(2);
  private readonly readyGauges = new Map<string, Set<string>>();
  /**
   * How long target changes are coalesced before their namespace is reconciled: during a surge
   * every pod that turns ready changes its Deployment, and each reconcile may write statuses.
   */
  private readonly coalesceMs = 1000;
  private readonly elector: LeaderElector | undefined;
  private caches: Caches | undefined;
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
    const kc = new k8s.KubeConfig();
    if (config.kubeConfig !== undefined) kc.loadFromString(config.kubeConfig.exportConfig());
    else kc.loadFromDefault();
    this.kc = usePooledConnections(kc, (config.requestTimeoutSeconds ?? 30) * 1000);
    this.applier = new Applier(this.kc, logger, { dryRun: config.dryRun, identity: config.identity });
    this.queue = new WorkQueue(
      (namespace) => this.reconcile(namespace),
      (namespace, error, retryInMs) => {
        this.metrics.reconcileErrors.inc();
        this.log.error({ namespace, err: error instanceof Error ? error.message : String(error), retryInMs }, 'reconcile failed; retrying');
      },
      config.concurrency ?? 16,
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

  /** True while every cache is current (listed since its last reconnect, watch alive): /readyz. */
  synced(): boolean {
    const c = this.caches;
    return c !== undefined && everyCache(c).every((cache) => cache.synced());
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Waits until the queue is empty and every Event is recorded (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.queue.idle();
    await this.recorder.idle();
  }

  /**
   * Starts the four caches instead of @dot-i/k8s-operator's watches (which exit the process on any
   * watch error). Whatever changed, its namespace is reconciled as a whole.
   */
  protected init(): Promise<void> {
    const watchTimeoutSeconds = this.config.watchTimeoutSeconds ?? 60;
    this.caches = startCaches({
      kubeConfig: this.kc,
      namespaces: this.config.watchNamespaces,
      watchTimeoutSeconds,
      livenessGraceSeconds: Math.max(2, Math.min(10, watchTimeoutSeconds)),
      listTimeoutMs: (this.config.requestTimeoutSeconds ?? 30) * 1000,
      logger: this.log,
      onChange: (kind, object) => {
        const namespace = object.metadata?.namespace;
        if (namespace === undefined) return;
        // A surge makes every target change with each pod that turns ready; coalescing those for
        // a moment spares the API server a status write per pod. Incidents and plans act at once.
        if (kind === 'deployments' || kind === 'hpas') this.queue.addAt(namespace, new Date(Date.now() + this.coalesceMs));
        else this.queue.add(namespace, true);
        this.metrics.queueDepth.set(this.queue.length);
      },
      onSynced: (kind) => {
        this.log.info({ kind }, 'cache listed');
        this.enqueueAll();
      },
    });
    for (const kind of Object.keys(this.caches)) this.log.info({ kind, namespaces: this.config.watchNamespaces }, 'watching');
    this.resync = setInterval(() => {
      if (this.caches !== undefined) for (const [kind, cache] of Object.entries(this.caches) as Array<[string, { synced: () => boolean }]>) this.metrics.cacheSynced.set({ kind }, cache.synced() ? 1 : 0);
      this.enqueueAll();
    }, this.config.resyncSeconds * 1000);
    this.resync.unref();
    if (this.elector !== undefined) this.elector.start();
    else this.setLeading(true);
    return Promise.resolve();
  }

  override stop(): void {
    void this.shutdown();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.resync);
    this.queue.close();
    await this.recorder.idle();
    await this.elector?.stop();
    await Promise.all(this.caches === undefined ? [] : everyCache(this.caches).map((c) => c.stop()));
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.metrics.isLeader.set(leading ? 1 : 0);
    if (leading) this.enqueueAll();
  }

  private enqueueAll(): void {
    const c = this.caches;
    if (c === undefined) return;
    const namespaces = new Set<string>();
    const marked = (o: { metadata?: { annotations?: Record<string, string>; namespace?: string } }) => o.metadata?.annotations?.[annotations.appliedFloor] !== undefined || o.metadata?.annotations?.[annotations.surgePlan] !== undefined;
    for (const o of [...c.plans.list(), ...c.events.list(), ...c.deployments.list().filter(marked), ...c.hpas.list().filter(marked)]) {
      if (o.metadata?.namespace !== undefined) namespaces.add(o.metadata.namespace);
    }
    for (const ns of namespaces) this.queue.add(ns);
  }

  /** Puts what a patch returned into the caches, so that the next reconcile sees its own write. */
  private observe(namespace: string, result: PatchResult | undefined): void {
    const c = this.caches;
    if (c === undefined || result === undefined) return;
    if ('hpa' in result) c.hpas.observe(result.hpa);
    else if ('deployment' in result) c.deployments.observe(result.deployment);
    else {
      const cached = c.deployments.list(namespace).find((d) => d.metadata?.name === result.scale.name);
      if (cached === undefined) return;
      const updated = structuredClone(cached);
      updated.spec = { ...updated.spec, replicas: result.scale.replicas } as k8s.V1DeploymentSpec;
      updated.metadata = { ...updated.metadata, resourceVersion: result.scale.resourceVersion };
      c.deployments.observe(updated);
    }
  }

  /**
   * fetch (from the caches) → plan (pure) → apply → write status once → record Events. Nothing
   * before every cache has listed once; while any cache is not current (a watch reconnecting or
   * silent), only the raises the planner allows and no status or Event computed from that view.
   */
  private async reconcile(namespace: string): Promise<Date | undefined> {
    const c = this.caches;
    if (!this.leading || c === undefined) return undefined;
    if (!everyCache(c).every((cache) => cache.everSynced())) return undefined; // re-queued by onSynced
    this.metrics.queueDepth.set(this.queue.length);
    const end = this.metrics.reconcileDuration.startTimer();
    const synced = this.synced();
    for (const [kind, cache] of Object.entries(c) as Array<[string, { synced: () => boolean }]>) this.metrics.cacheSynced.set({ kind }, cache.synced() ? 1 : 0);
    const state: NamespaceState = {
      namespace,
      events: structuredClone([...c.events.list(namespace)]),
      plans: structuredClone([...c.plans.list(namespace)]),
      deployments: [...c.deployments.list(namespace)],
      hpas: [...c.hpas.list(namespace)],
      synced,
      maxReplicas: this.config.maxReplicas ?? 100,
      now: new Date(),
    };
    if (state.plans.length === 0 && state.events.length === 0 && !state.deployments.some(isMarkedObject) && !state.hpas.some(isMarkedObject)) {
      end({ result: 'empty' });
      return undefined;
    }
    try {
      const plan = planNamespace(state);
      // Targets are independent objects: patch them all at once, the surge waits for the slowest only.
      await Promise.all(plan.patches.map(async (patch) => {
        this.observe(namespace, await this.applier.patchTarget(namespace, patch));
        this.metrics.scaleActions.inc({ kind: patch.kind });
      }));
      if (!synced) {
        this.log.warn({ namespace, patches: plan.patches.length }, 'caches not current: raised what was needed, wrote no status and no Event');
        end({ result: 'in-doubt' });
        return plan.wakeAt;
      }
      // Statuses are independent objects too; each is written only if it changed.
      const writes: Array<Promise<void>> = [];
      const write = (plural: 'disasterevents' | 'surgeplans', name: string, current: object | undefined, desired: object) =>
        writes.push(this.applier.writeStatus(namespace, plural, name, current, desired).then((written) => {
          if (written === undefined) return;
          if (plural === 'surgeplans') c.plans.observe(written as never);
          else c.events.observe(written as never);
        }));
      for (const p of state.plans) {
        const name = p.metadata?.name ?? '';
        const status = plan.planStatuses.get(name);
        if (status !== undefined) write('surgeplans', name, p.status, status);
      }
      for (const e of state.events) {
        const name = e.metadata?.name ?? '';
        const status = plan.eventStatuses.get(name);
        if (status !== undefined) write('disasterevents', name, e.status, status);
      }
      await Promise.all(writes);
      this.recordMetrics(state, plan);
      // Events are best effort and must not hold up the next namespace: recorded in the background.
      for (const kubeEvent of plan.kubeEvents) this.recorder.push(() => this.applier.record(namespace, kubeEvent));
      end({ result: 'ok' });
      return plan.wakeAt;
    } catch (error) {
      end({ result: 'error' });
      throw error;
    }
  }

  /** The gauges of one namespace, from the statuses just written. */
  private recordMetrics(state: NamespaceState, plan: ReturnType<typeof planNamespace>): void {
    const { namespace } = state;
    for (const p of state.plans) {
      const status = plan.planStatuses.get(p.metadata?.name ?? '');
      if (status?.conditions?.find((x) => x.type === 'Degraded')?.reason === 'TargetClaimed') continue;
      this.metrics.targetReplicas.set({ namespace, target: p.spec.targetRef.name, kind: 'floor' }, status?.floor ?? 0);
      this.metrics.targetReplicas.set({ namespace, target: p.spec.targetRef.name, kind: 'desired' }, status?.desiredReplicas ?? 0);
      this.metrics.targetReplicas.set({ namespace, target: p.spec.targetRef.name, kind: 'ready' }, status?.readyReplicas ?? 0);
    }
    const active = [0, 0, 0, 0];
    for (const e of state.events) {
      const name = e.metadata?.name ?? '';
      const status = plan.eventStatuses.get(name);
      if (status === undefined) continue;
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
  }
}

const isMarkedObject = (o: { metadata?: { annotations?: Record<string, string> } }) =>
  o.metadata?.annotations?.[annotations.appliedFloor] !== undefined || o.metadata?.annotations?.[annotations.surgePlan] !== undefined;
