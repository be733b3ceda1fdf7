import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease holds without renewal; a crashed leader is replaced after at most this. @default 10 s */
  leaseDurationSeconds?: number;
  /** How often the leader renews and a candidate retries. @default 2 s */
  retryPeriodMs?: number;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: take the
 * Lease when it is free or expired, renew it, and rely on the API server's optimistic concurrency
 * (resourceVersion) so that two candidates never both win. With the defaults a killed leader is
 * replaced within about 12 s (lease 10 s + one retry period).
 */
export class LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  private readonly leaseDuration: number;
  private readonly retryPeriod: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.api = options.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    this.leaseDuration = options.leaseDurationSeconds ?? 10;
    this.retryPeriod = options.retryPeriodMs ?? 2000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Gives the Lease up so that another replica takes over at once (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity === this.options.identity) {
        lease.spec.holderIdentity = undefined;
        lease.spec.renewTime = undefined;
        await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease });
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not release the leader Lease; it expires by itself');
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // A renewal that hangs (a silent connection) must not keep this replica leading past the
    // Lease's expiry, when another replica may take over: give up before it, as client-go's
    // renewDeadline does.
    const renewDeadlineMs = Math.max(this.retryPeriod, this.leaseDuration * 1000 - this.retryPeriod);
    let deadline: NodeJS.Timeout | undefined;
    try {
      const won = await Promise.race([
        this.tryAcquireOrRenew(),
        new Promise<never>((_, reject) => {
          deadline = setTimeout(() => reject(new Error(`no answer within the renew deadline of ${renewDeadlineMs} ms`)), renewDeadlineMs);
        }),
      ]);
      this.setLeading(won);
    } catch (error) {
      // Without a renewal we cannot know whether another replica has taken over: step down.
      this.options.logger.warn({ err: (error as Error).message }, 'leader election: could not reach the Lease');
      this.setLeading(false);
    } finally {
      clearTimeout(deadline);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryPeriod);
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.logger.info({ identity: this.options.identity, leading }, leading ? 'became the leader' : 'stopped leading');
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.options;
    const now = new k8s.V1MicroTime();
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: this.leaseDuration, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime !== undefined ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? this.leaseDuration) * 1000 < Date.now();
    const mine = spec.holderIdentity === identity;
    if (!mine && spec.holderIdentity !== undefined && spec.holderIdentity !== '' && !expired) return false;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.leaseDuration,
      renewTime: now,
      ...(mine ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return false; // another candidate was faster
      throw error;
    }
  }
}
