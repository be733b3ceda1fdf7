/**
 * The contract of the task events this service consumes (`task.created`, `task.updated`,
 * `task.cancelled` on the tasks stream). The task service is built elsewhere; this schema is what
 * matching relies on, and its tests publish exactly such events. A task is one shift at one site.
 */
import { timestamp } from '@kathelfer/common/fields';
import { z } from 'zod';

/** A DisasterEvent's name, as in Kubernetes (DNS-1123 label). */
export const disasterEventName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'the DisasterEvent name');

const code = z.string().min(1).max(100);
const unique = (items: string[]) => new Set(items).size === items.length;

const taskFields = z.object({
  eventId: z.string().min(1).max(200),
  taskId: z.string().min(1).max(100),
  event: disasterEventName,
});

export const taskSnapshot = taskFields.extend({
  type: z.enum(['task.created', 'task.updated']),
  siteId: z.string().min(1).max(100),
  site: z.object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    /** Helpers present at the site at once over all its tasks; null: no limit. */
    capacity: z.number().int().positive().nullable(),
  }),
  requiredSkills: z.array(code).max(50).refine(unique, 'skills must not repeat'),
  requiredResources: z.array(code).max(50).refine(unique, 'resources must not repeat'),
  headcount: z.number().int().min(0).max(10_000),
  shiftStart: timestamp,
  shiftEnd: timestamp,
  /** 5 is the most urgent. */
  priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
}).refine((t) => Date.parse(t.shiftEnd) > Date.parse(t.shiftStart), { message: 'shiftEnd must be after shiftStart', path: ['shiftEnd'] });

export const taskCancelled = taskFields.extend({ type: z.literal('task.cancelled') });

/**
 * The task service publishes its own view of a task (services/tasks/src/views.ts `taskEventOf`):
 * `incidentId`, `skills`, `shift: {start, end}`, `location: {latitude, longitude}`, `siteCapacity`, and priority 1
 * as the most urgent, as coordinators and the German emergency services count it. The planner's
 * contract above has 5 as the most urgent. This maps the former onto the latter at the boundary,
 * so both services keep their own vocabulary; an event already in the contract's shape passes as is.
 */
function fromTaskService(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || !('shift' in raw) || !('incidentId' in raw)) return raw;
  const t = raw as {
    eventId?: unknown; type?: unknown; taskId?: unknown; incidentId?: unknown; siteId?: unknown; skills?: unknown; resources?: unknown;
    headcount?: unknown; priority?: unknown; shift?: { start?: unknown; end?: unknown }; location?: { latitude?: unknown; longitude?: unknown };
    siteCapacity?: unknown;
  };
  if (t.type === 'task.cancelled') return { eventId: t.eventId, type: t.type, taskId: t.taskId, event: t.incidentId };
  return {
    eventId: t.eventId,
    type: t.type,
    taskId: t.taskId,
    event: t.incidentId,
    siteId: t.siteId,
    // the task service sends its site's capacity with every task; an older event without it means no limit
    site: { lat: t.location?.latitude, lon: t.location?.longitude, capacity: typeof t.siteCapacity === 'number' ? t.siteCapacity : null },
    requiredSkills: t.skills,
    requiredResources: t.resources,
    headcount: t.headcount,
    shiftStart: t.shift?.start,
    shiftEnd: t.shift?.end,
    priority: typeof t.priority === 'number' ? 6 - t.priority : t.priority,
  };
}

export const taskEvent = z.preprocess(fromTaskService, z.union([taskSnapshot, taskCancelled]));

export type TaskSnapshot = z.output<typeof taskSnapshot>;
export type TaskCancelled = z.output<typeof taskCancelled>;
export type TaskEvent = z.output<typeof taskEvent>;

export const taskEventTypes: ReadonlySet<string> = new Set(['task.created', 'task.updated', 'task.cancelled']);
