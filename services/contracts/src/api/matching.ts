/**
 * Response bodies of the matching API (`services/matching`), declared once: the service answers
 * with them (its round statistics and assignment views are typed by them), the web's pages read
 * their types from here.
 */
import { z } from 'zod';
import { assignmentStatuses } from '../assignment-events.js';

/** `POST /v1/matching/runs`: what a round did; every written round records the same. */
export const roundStats = z.object({
  roundId: z.uuid(),
  incidentId: z.string(),
  trigger: z.string(),
  fence: z.number().meta({ description: 'The fencing token the round held' }),
  proposed: z.number().meta({ description: 'New proposals of this round' }),
  withdrawn: z.number().meta({ description: 'Proposals withdrawn because they no longer fit (availability changed, task moved, headcount lowered)' }),
  helpers: z.number(),
  tasks: z.number(),
  demand: z.number().meta({ description: 'Slots of tasks not yet over' }),
  filled: z.number().meta({ description: 'Slots holding a proposed or accepted helper' }),
  fill: z.number().meta({ description: 'filled / demand (1 when there is no demand)' }),
  coverage: z.number().meta({ description: 'Share of tasks with every slot filled' }),
  priorityWeightedFill: z.number().meta({ description: "Filled slots weighted by priority over demanded ones, the engine's first objective" }),
  meanDistanceKm: z.number().meta({ description: 'Mean straight-line km from helper to site over the filled slots' }),
  planMs: z.number(),
  runTimeMs: z.number(),
});
export type RoundStats = z.output<typeof roundStats>;

/** `GET /v1/matching/runs`: recent rounds, newest first. */
export const runList = z.object({ items: z.array(roundStats.extend({ startedAt: z.string(), finishedAt: z.string() })) });
export type RunList = z.output<typeof runList>;

/** A proposal or assignment of a helper to a task's shift. */
export const assignmentView = z.object({
  id: z.uuid(),
  incidentId: z.string(),
  taskId: z.string(),
  helperId: z.uuid(),
  status: z.enum(assignmentStatuses),
  shiftStart: z.string(),
  shiftEnd: z.string(),
  distanceKm: z.number(),
  proposedAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AssignmentView = z.output<typeof assignmentView>;

export const assignmentList = z.object({ items: z.array(assignmentView) });
export type AssignmentList = z.output<typeof assignmentList>;
