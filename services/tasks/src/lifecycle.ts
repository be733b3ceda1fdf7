/**
 * The task lifecycle as a pure module. `open`, `partially_filled` and `filled` follow the fill
 * (accepted assignments against the headcount); coordinators move a task on from there.
 */
import type { TaskStatus } from '@kathelfer/contracts';

export { taskStatuses, type TaskStatus } from '@kathelfer/contracts';

/** What a coordinator may set, by current status. A shift may start short-handed. */
const manual: Record<TaskStatus, readonly TaskStatus[]> = {
  open: ['in_progress', 'cancelled'],
  partially_filled: ['in_progress', 'cancelled'],
  filled: ['in_progress', 'cancelled'],
  in_progress: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function allowedTransitions(from: TaskStatus): readonly TaskStatus[] {
  return manual[from];
}

export function isFillDriven(status: TaskStatus): boolean {
  return status === 'open' || status === 'partially_filled' || status === 'filled';
}

export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'cancelled';
}

export function fillStatus(filled: number, headcount: number): 'open' | 'partially_filled' | 'filled' {
  if (filled <= 0) return 'open';
  return filled >= headcount ? 'filled' : 'partially_filled';
}

/** The status after the fill or the headcount changed: only fill-driven statuses move. */
export function afterFillChange(status: TaskStatus, filled: number, headcount: number): TaskStatus {
  return isFillDriven(status) ? fillStatus(filled, headcount) : status;
}

/** Why `from → to` is refused, naming what is allowed; undefined when it is allowed. */
export function transitionProblem(from: TaskStatus, to: TaskStatus): string | undefined {
  if (from === to) return undefined;
  const allowed = manual[from];
  if (allowed.includes(to)) return undefined;
  const options = allowed.length === 0 ? `none: ${from} is final` : allowed.join(', ');
  const derived = isFillDriven(to) ? ` (${to} follows the fill and cannot be set)` : '';
  return `A task cannot go from ${from} to ${to}${derived}. Allowed from ${from}: ${options}.`;
}
