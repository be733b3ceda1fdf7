import { MAX_WAKE_MS } from '../planner/wake-up.js';

/**
 * A rate-limited work queue of namespaces, like client-go's workqueue: a namespace is never worked
 * on twice at once, adding it while it is queued is a no-op, adding it while it is being worked on
 * queues it once more, failures are retried with per-item exponential backoff, and `addAfter`
 * schedules a wake-up (pre-warm, stand-down steps).
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly dirtyWhileActive = new Set<string>();
  private readonly urgent = new Set<string>();
  private readonly urgentWhileActive = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private running = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly work: (item: string) => Promise<Date | undefined>,
    private readonly onError: (item: string, error: unknown, retryInMs: number) => void,
    private readonly concurrency = 4,
  ) {}

  /**
   * Queues the item. `urgent` puts it ahead of everything not urgent (a newly declared incident
   * must not wait behind status updates of pods turning ready elsewhere).
   */
  add(item: string, urgent = false): void {
    if (this.closed) return;
    if (this.active.has(item)) {
      this.dirtyWhileActive.add(item);
      if (urgent) this.urgentWhileActive.add(item);
      return;
    }
    if (this.queued.has(item)) {
      if (urgent && !this.urgent.has(item)) {
        this.order.splice(this.order.indexOf(item), 1);
        this.insertUrgent(item);
      }
      return;
    }
    this.queued.add(item);
    if (urgent) this.insertUrgent(item);
    else this.order.push(item);
    this.pump();
  }

  /** After the other urgent items, before every item that is not. */
  private insertUrgent(item: string): void {
    this.urgent.add(item);
    const at = this.order.findIndex((i) => !this.urgent.has(i));
    this.order.splice(at === -1 ? this.order.length : at, 0, item);
  }

  /**
   * Adds the item at `at` unless an earlier wake-up is already set. A date further ahead than a
   * timer can hold (2 ** 31 - 1 ms, MAX_WAKE_MS) arms the longest timer and re-arms when it fires.
   */
  addAt(item: string, at: Date): void {
    const when = at.getTime();
    if (!Number.isFinite(when)) return;
    const existing = this.timers.get(item);
    if (existing !== undefined && existing.at <= when) return;
    if (existing !== undefined) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(item);
      if (Date.now() < when) this.addAt(item, new Date(when));
      else this.add(item);
    }, Math.min(MAX_WAKE_MS, Math.max(0, when - Date.now())));
    timer.unref();
    this.timers.set(item, { at: when, timer });
  }

  get length(): number {
    return this.order.length;
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Resolves when nothing is queued or being worked on (for tests and shutdown). */
  async idle(): Promise<void> {
    if (this.running === 0 && this.order.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.order.length > 0) {
      const item = this.order.shift() as string;
      this.queued.delete(item);
      this.urgent.delete(item);
      this.active.add(item);
      this.running += 1;
      void this.run(item);
    }
    if (this.running === 0 && this.order.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(item: string): Promise<void> {
    try {
      const wakeAt = await this.work(item);
      this.failures.delete(item);
      if (wakeAt !== undefined) this.addAt(item, wakeAt);
    } catch (error) {
      const n = (this.failures.get(item) ?? 0) + 1;
      this.failures.set(item, n);
      const delay = Math.min(30_000, 50 * 2 ** Math.min(n - 1, 10));
      this.onError(item, error, delay);
      this.addAt(item, new Date(Date.now() + delay));
    } finally {
      this.active.delete(item);
      this.running -= 1;
      if (this.dirtyWhileActive.delete(item)) this.add(item, this.urgentWhileActive.delete(item));
      this.pump();
    }
  }
}
