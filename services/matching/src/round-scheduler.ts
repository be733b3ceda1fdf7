import type { Logger } from '@kathelfer/common/logger';
import { RoundBusyError, StaleRoundError } from './rounds.js';

/**
 * Runs rounds that changes ask for, in the background: changes to one event within `debounceMs`
 * become one round, an event asked for while its round runs gets one more afterwards, and a round
 * another replica holds the lock for is retried later (that replica's round may have started
 * before the change). The periodic sweep (app.ts) re-asks for every event with unplanned changes,
 * so nothing is lost when this replica stops.
 */
export class RoundScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private stopped = false;

  constructor(
    private readonly run: (eventId: string) => Promise<unknown>,
    private readonly debounceMs: number,
    private readonly logger: Logger,
  ) {}

  schedule(eventId: string, delayMs = this.debounceMs): void {
    if (this.stopped) return;
    if (this.running.has(eventId)) {
      this.again.add(eventId);
      return;
    }
    if (this.timers.has(eventId)) return;
    this.timers.set(
      eventId,
      setTimeout(() => {
        this.timers.delete(eventId);
        this.start(eventId);
      }, delayMs),
    );
  }

  private start(eventId: string): void {
    const done = (async () => {
      let retry = false;
      try {
        await this.run(eventId);
      } catch (error) {
        retry = true;
        if (!(error instanceof RoundBusyError || error instanceof StaleRoundError)) this.logger.error({ err: error, eventId }, 'planning round failed');
      } finally {
        this.running.delete(eventId);
      }
      if (retry || this.again.delete(eventId)) this.schedule(eventId, retry ? Math.max(this.debounceMs, 500) : this.debounceMs);
    })();
    this.running.set(eventId, done);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.running.values());
  }
}
