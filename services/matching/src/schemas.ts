/**
 * Request schemas of the matching API; they validate requests and, with the response schemas
 * declared in the contracts (`@kathelfer/contracts/api/matching`), generate the OpenAPI document
 * (see @kathelfer/common/routes).
 */
import { z } from 'zod';
import { assignmentStatuses } from './models/assignment.model.js';
import { incidentId } from '@kathelfer/contracts';

export const runBody = z.strictObject({
  incidentId: incidentId.meta({ description: 'The incident to plan (its DisasterEvent)' }),
});

export const assignmentIdParams = z.strictObject({ id: z.uuid() });

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
