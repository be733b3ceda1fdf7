/**
 * Request and response schemas of the matching API; they validate requests and generate the
 * OpenAPI document (see @kathelfer/common/routes).
 */
import { z } from 'zod';
import { assignmentStatuses } from './models/assignment.model.js';
import { incidentId } from '@kathelfer/contracts';

export const runBody = z.strictObject({
  incidentId: incidentId.meta({ description: 'The incident to plan (its DisasterEvent)' }),
});

export const roundStats = z.object({
  roundId: z.uuid(),
  incidentId: z.string(),
  trigger: z.string(),
  fence: z.number().meta({ description: 'The fencing token the round held' }),
  proposed: z.number().meta({ description: 'New proposals of this round' }),
  withdrawn: z.number().meta({ description: 'Proposals withdrawn because they no longer fit' }),
  helpers: z.number(),
  tasks: z.number(),
  demand: z.number().meta({ description: 'Slots of tasks not yet over' }),
  filled: z.number(),
  fill: z.number().meta({ description: 'filled / demand' }),
  coverage: z.number().meta({ description: 'Share of tasks with every slot filled' }),
  priorityWeightedFill: z.number(),
  meanDistanceKm: z.number(),
  planMs: z.number(),
  runTimeMs: z.number(),
});

export const assignmentIdParams = z.strictObject({ id: z.uuid() });

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

export const assignmentList = z.object({ items: z.array(assignmentView) });

export const assignmentQuery = z
  .strictObject({
    taskId: z.string().min(1).max(100).optional(),
    incidentId: incidentId.optional(),
    status: z.enum(assignmentStatuses).optional(),
    limit: z.coerce.number().int().min(1).max(2000).default(500),
  })
  .refine((q) => q.taskId !== undefined || q.incidentId !== undefined, { message: 'give taskId or incidentId', path: ['taskId'] });

export const runsQuery = z.strictObject({
  incidentId,
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

export const runList = z.object({ items: z.array(roundStats.extend({ startedAt: z.string(), finishedAt: z.string() })) });
