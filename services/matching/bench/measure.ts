/**
 * What the matching benchmark measures per run, and how it prints it: wall and CPU time, memory,
 * fill per priority tier, Markdown tables. Kept apart from the sections so each stays readable.
 */
/* eslint-disable no-console -- a benchmark reports on stdout */
import { Worker } from 'node:worker_threads';
import { CandidateIndex } from '../src/engine/candidate-index.js';
import { compile } from '../src/engine/compile.js';
import type { Assignment, PlanInput, PlanOptions } from '../src/engine/index.js';

export interface Measured<T> {
  out: T;
  wallMs: number;
  /**
   * CPU of this process (user + system, all threads): other work on the shared machine inflates
   * only wall; V8's parallel GC threads can make it exceed wall.
   */
  cpuMs: number;
  /** Heap still in use after the run, minus before (both after a full GC): what the result keeps. */
  heapRetainedMb: number;
  /** Resident set before the run and its peak during the run, sampled every 2 ms by `sampler`. */
  rssBeforeMb: number;
  peakRssMb: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

/**
 * A thread that keeps the peak resident set in shared memory while the main thread is busy in a
 * synchronous run (RSS is per process, so a worker sees the main thread's memory). The process'
 * own maxRSS would only ever show the largest run so far, HiGHS' WebAssembly memory included.
 */
const peakKb = new Int32Array(new SharedArrayBuffer(4));
const sampler = new Worker(
  `const { workerData: peak } = require('node:worker_threads');
   setInterval(() => { const kb = Math.round(process.memoryUsage.rss() / 1024); if (kb > Atomics.load(peak, 0)) Atomics.store(peak, 0, kb); }, 2);`,
  { eval: true, workerData: peakKb },
);
sampler.unref();

export async function measure<T>(fn: () => T | Promise<T>): Promise<Measured<T>> {
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage.rss();
  Atomics.store(peakKb, 0, Math.round(rss0 / 1024));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peak = Math.max(Atomics.load(peakKb, 0) * 1024, process.memoryUsage.rss());
  gc?.();
  return {
    out,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    heapRetainedMb: (process.memoryUsage().heapUsed - heap0) / MB,
    rssBeforeMb: rss0 / MB,
    peakRssMb: peak / MB,
  };
}

export const gcAvailable = gc !== undefined;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export const TIERS = [5, 4, 3, 2, 1] as const;

export interface Fill {
  /** Filled slots per priority tier, index = priority. */
  tier: number[];
  total: number;
  weighted: number;
}

export function fillOf(input: PlanInput, assignments: readonly Assignment[]): Fill {
  const priority = new Map(input.shifts.map((s) => [s.id, s.priority]));
  const tier = [0, 0, 0, 0, 0, 0];
  let weighted = 0;
  for (const a of assignments) {
    const p = priority.get(a.shiftId);
    if (p === undefined) continue;
    tier[p]! += 1;
    weighted += p;
  }
  return { tier, total: assignments.length, weighted };
}

export function demandOf(input: PlanInput): Fill {
  const tier = [0, 0, 0, 0, 0, 0];
  let weighted = 0;
  let total = 0;
  for (const s of input.shifts) {
    tier[s.priority]! += s.headcount;
    total += s.headcount;
    weighted += s.headcount * s.priority;
  }
  return { tier, total, weighted };
}

/** Helper–shift pairs that pass every static rule (skills, resources, distance, availability, hours). */
export function candidatePairs(input: PlanInput, options: PlanOptions = {}): number {
  const c = compile(input, options);
  const index = new CandidateIndex(c, () => Infinity);
  let n = 0;
  for (let s = 0; s < c.shifts.length; s++) if (c.sHead[s]! > 0) n += index.all(s).helpers.length;
  return n;
}

/** Relative shortfall of `got` against `ref`; negative when `got` is ahead. */
export const gap = (got: number, ref: number) => (ref === 0 ? 0 : 1 - got / ref);

export const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
export const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));
export const mb = (x: number) => x.toFixed(1);

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const line = (cells: readonly (string | number)[]) => console.log(`| ${cells.join(' | ')} |`);
  line(header);
  line(header.map(() => '---'));
  rows.forEach(line);
  console.log('');
}

export const memoryHeader = ['peak RSS Δ MB', 'RSS before MB', 'heap kept MB'];

/** Memory columns; retained heap only when the run has --expose-gc, otherwise it would count garbage. */
export function memoryCells(m: Measured<unknown>): string[] {
  return [mb(m.peakRssMb - m.rssBeforeMb), mb(m.rssBeforeMb), gcAvailable ? mb(m.heapRetainedMb) : 'n/a'];
}
