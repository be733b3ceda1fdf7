/**
 * Planning off the event loop. A round's `plan` runs in a worker thread, so `/healthz`, SIGTERM
 * and the event consumers stay responsive however long it takes (a full site once took 25 s, and
 * the liveness probe restarted the replica into the same round). The worker gets a deadline: at
 * it the engine's improvement phases stop and the best plan so far comes back (every phase keeps
 * only improvements, so that plan is complete and meets every rule). Should even the construction
 * outlast the deadline by `graceMs`, the worker is terminated and the round fails with
 * PlanTimeoutError; `close` terminates the workers at shutdown. Workers are kept for the next
 * rounds (at most two idle), since starting one costs more than planning a small round.
 *
 * The worker runs this very module (its URL, or the bundle's in production, where server.ts only
 * starts the service on the main thread), recognised by its `workerData.role`.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { plan, type Plan, type PlanInput, type PlanOptions } from './engine/index.js';

const ROLE = 'kathelfer-matching-plan';

interface Job {
  input: PlanInput;
  options: Omit<PlanOptions, 'shouldStop'>;
  /** Epoch ms at which the improvement phases stop. */
  deadline: number;
}

/** Whether this thread is a planning worker (then it must not start the service). */
export const isPlanWorker = !isMainThread && (workerData as { role?: unknown } | null)?.role === ROLE;

if (isPlanWorker && parentPort) {
  const port = parentPort;
  port.on('message', (job: Job) => {
    port.postMessage(plan(job.input, { ...job.options, shouldStop: () => Date.now() >= job.deadline }));
  });
}

/** The worker did not answer within deadline + grace, or was stopped by `close`. */
export class PlanTimeoutError extends Error {
  override name = 'PlanTimeoutError';
}

export interface WorkerPlannerOptions {
  /** Milliseconds after which the plan's improvement phases stop and the best plan so far is returned. */
  deadlineMs: number;
  /** Milliseconds past the deadline after which the worker is terminated and the round fails. */
  graceMs: number;
  /** The module the worker runs; tests pass one that plans slowly. @default this module */
  script?: URL;
}

export interface WorkerPlanner {
  /** Plans in a worker thread; rejects with PlanTimeoutError past deadline + grace or at `close`. */
  plan(input: PlanInput, options: Omit<PlanOptions, 'shouldStop'>): Promise<Plan>;
  /** Workers running right now. */
  readonly running: number;
  /** Terminates the workers; rounds still planning fail. */
  close(): Promise<void>;
}

/**
 * The worker's entry code. Node 20 does not carry the main thread's module hooks (tsx, which runs
 * the TypeScript sources in development and tests) into a worker, so a .ts module registers tsx
 * first; the production bundle is plain JavaScript and is imported as it is.
 */
function bootstrap(script: URL): string {
  const target = JSON.stringify(script.href);
  if (!script.pathname.endsWith('.ts')) return `import(${target});`;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((tsx) => { tsx.register(); return import(${target}); });`;
}

/** Idle workers kept for the next round: starting one (loading the engine) costs more than a small round. */
const MAX_IDLE = 2;

export function createWorkerPlanner(opts: WorkerPlannerOptions): WorkerPlanner {
  const busy = new Set<Worker>();
  const idle: Worker[] = [];
  const script = opts.script ?? new URL(import.meta.url);
  const spawn = () => {
    const worker = new Worker(bootstrap(script), { eval: true, workerData: { role: ROLE } });
    worker.unref();
    // An idle worker that dies is simply forgotten.
    worker.on('exit', () => {
      const i = idle.indexOf(worker);
      if (i >= 0) idle.splice(i, 1);
    });
    return worker;
  };
  return {
    get running() {
      return busy.size;
    },
    plan(input, options) {
      return new Promise<Plan>((resolve, reject) => {
        const worker = idle.pop() ?? spawn();
        busy.add(worker);
        let settled = false;
        const onMessage = (result: Plan) => finish(null, result);
        const onError = (error: Error) => finish(error);
        const onExit = (code: number) => finish(new PlanTimeoutError(`planning worker exited with code ${code}`));
        const finish = (error: Error | null, result?: Plan) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          busy.delete(worker);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (error === null && idle.length < MAX_IDLE) idle.push(worker);
          else void worker.terminate();
          if (error) reject(error);
          else resolve(result!);
        };
        const timer = setTimeout(
          () => finish(new PlanTimeoutError(`planning took longer than ${opts.deadlineMs + opts.graceMs} ms`)),
          opts.deadlineMs + opts.graceMs,
        );
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
        worker.postMessage({ input, options, deadline: Date.now() + opts.deadlineMs } satisfies Job);
      });
    },
    async close() {
      await Promise.all([...busy, ...idle.splice(0)].map((w) => w.terminate()));
    },
  };
}
