/**
 * Events of the task service on the `tasks` stream. A task is one shift at one site; its events
 * carry what matching plans with — no title, description, briefing or site contact (free text may
 * name people).
 */
import { z } from 'zod';
import { helperId, incidentId, priority, timestamp } from './vocabulary.js';

/** The task lifecycle; `open`, `partially_filled` and `filled` follow the fill. */
export const taskStatuses = ['open', 'partially_filled', 'filled', 'in_progress', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

const code = z.string().min(1).max(100);
const unique = (items: string[]) => new Set(items).size === items.length;

/** The brief of a task on its events, for the helpers' notifications. */
export const taskBrief = z.object({
  title: z.string().min(1).max(200),
  bring: z.array(z.string().max(200)).max(50),
  site: z.object({
    name: z.string().min(1).max(200),
    address: z.object({ street: z.string().max(200).nullable(), postalCode: z.string().max(20).nullable(), city: z.string().max(200).nullable() }),
    meetingPoint: z.string().max(500),
  }),
});
export type TaskBrief = z.output<typeof taskBrief>;

/** `task.created`, `task.updated`, `task.cancelled` v1: the task as matching needs it. */
export const taskSnapshotV1 = z
  .object({
    taskId: z.uuid(),
    incidentId,
    siteId: z.uuid(),
    status: z.enum(taskStatuses),
    skills: z.array(code).max(50).refine(unique, 'skills must not repeat'),
    resources: z.array(code).max(50).refine(unique, 'resources must not repeat'),
    headcount: z.number().int().min(0).max(10_000),
    /** Accepted assignments. */
    filledCount: z.number().int().min(0),
    priority,
    shift: z.object({ start: timestamp, end: timestamp }),
    location: z.object({
      postalArea: z.string().nullable(),
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
    }),
    /** Helpers present at the task's site at once, over all its tasks. */
    siteCapacity: z.number().int().positive(),
    /** The task's optimistic-lock version: a higher one is a newer state. */
    version: z.number().int().min(0),
    /**
     * What a helper's notification says of the task (issue 17; optional, added within v1): its
     * title, what to bring, where the site is and where to meet — what the task service's brief
     * shows every helper of the incident. Not the description or briefing, not the site contact.
     */
    brief: taskBrief.optional(),
  })
  .refine((t) => Date.parse(t.shift.end) > Date.parse(t.shift.start), { message: 'the shift must end after it starts', path: ['shift', 'end'] });

const attendance = z.object({ assignmentId: z.uuid(), taskId: z.uuid(), siteId: z.uuid(), helperId, checkedInAt: timestamp });

/** `checkin.recorded` v1: a site lead checked a helper in. */
export const checkinRecordedV1 = attendance;

/** `checkout.recorded` v1: a site lead checked a helper out. */
export const checkoutRecordedV1 = attendance.extend({ checkedOutAt: timestamp });
