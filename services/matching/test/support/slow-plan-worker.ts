// A planning worker for the tests of a deliberately long round: it keeps its thread busy for ten
// minutes (CPU-bound, as a real long round is) before it plans as the real worker does. Tests end
// it by shutting the service down, which terminates it.
const until = Date.now() + 600_000;
while (Date.now() < until) {
  // busy
}
await import('../../src/plan-worker.js');
