import type { Logger } from '@kathelfer/common/logger';
import { RoundBusyError, StaleRoundError } from './rounds.js';

/**
 * Runs rounds that changes ask for, in the background: changes to one incident within `debounceMs`
 * become one round, an incident asked for while its round runs gets one more afterwards, and a round
 * another replica holds the lock for is retried later (that replica's round may have started
 * before the change). The periodic sweep (app.ts) re-asks for every incident with unplanned changes,
 * so nothing is lost when this replica stops.
 */
export class RoundScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly lastStart = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly run: (incidentId: string) => Promise<unknown>,
    private readonly debounceMs: number,
    private readonly logger: Logger,
    /**
     * Least time between two background rounds of one incident on this replica. While helpers pour in,
     * every round fixes proposals made from a partial picture (and a plan blocks the event loop),
     * so fewer, larger rounds match better and ingest faster.
     */
    private readonly minIntervalMs = 0,
  ) {}

  schedule(incidentId: string, delayMs = this.debounceMs): void {
    if (this.stopped) return;
    if (this.running.has(incidentId)) {
      this.again.add(incidentId);
      return;
    }
    if (this.timers.has(incidentId)) return;
    const sinceLast = Date.now() - (this.lastStart.get(incidentId) ?? -Infinity);
    delayMs = Math.max(delayMs, this.minIntervalMs - sinceLast);
    this.timers.set(
      incidentId,
      setTimeout(() => {
        this.timers.delete(incidentId);
        this.start(incidentId);
      }, delayMs),
    );
  }

  private start(incidentId: string): void {
    this.lastStart.set(incidentId, Date.now());
    const done = (async () => {
      let retry = false;
      try {
        await this.run(incidentId);
      } catch (error) {
        retry = true;
        if (!(error instanceof RoundBusyError || error instanceof StaleRoundError)) this.logger.error({ err: error, incidentId }, 'planning round failed');
      } finally {
        this.running.delete(incidentId);
      }
      if (retry || this.again.delete(incidentId)) this.schedule(incidentId, retry ? Math.max(this.debounceMs, 500) : this.debounceMs);
    })();
    this.running.set(incidentId, done);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.running.values());
  }
}
