/**
 * Runs fire-and-forget tasks (recording Kubernetes Events) with a bounded concurrency, so a burst
 * of them neither holds up reconciles nor floods the API server. Tasks handle their own errors.
 */
export class BackgroundTasks {
  private readonly pending: Array<() => Promise<void>> = [];
  private running = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly concurrency: number) {}

  push(task: () => Promise<void>): void {
    this.pending.push(task);
    this.pump();
  }

  async idle(): Promise<void> {
    if (this.running === 0 && this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.pending.length > 0) {
      const task = this.pending.shift() as () => Promise<void>;
      this.running += 1;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
    if (this.running === 0 && this.pending.length === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
