/**
 * Response bodies of the task API (`services/tasks`), declared once: the service's routes answer
 * with them (and generate their OpenAPI document from them), the web's pages read their types
 * from here. A renamed field fails the service's view builders (`views.ts`) and the pages at
 * compile time.
 */
import { z } from 'zod';
import { taskStatuses } from '../task-events.js';

const address = z.object({ street: z.string().nullable(), postalCode: z.string(), city: z.string() });

/** `GET /v1/sites/:id` and every site write. */
export const siteView = z.object({
  id: z.uuid(),
  incidentId: z.string(),
  name: z.string(),
  address,
  coordinates: z.object({ latitude: z.number(), longitude: z.number() }),
  meetingPoint: z.string(),
  contact: z.object({ name: z.string(), phone: z.string() }).nullable(),
  capacity: z.number(),
  accessNotes: z.string().nullable(),
  version: z.number(),
  updatedAt: z.string(),
});
export type SiteView = z.output<typeof siteView>;

export const siteList = z.object({ items: z.array(siteView) });
export type SiteList = z.output<typeof siteList>;

/** `GET /v1/sites/:id/load`: helpers checked in against the site's capacity. */
export const siteLoad = z.object({
  siteId: z.uuid(),
  capacity: z.number(),
  checkedIn: z.number(),
  available: z.number(),
});
export type SiteLoad = z.output<typeof siteLoad>;

/** `GET /v1/tasks/:id` and every task write. */
export const taskView = z.object({
  id: z.uuid(),
  incidentId: z.string(),
  siteId: z.uuid(),
  title: z.string(),
  description: z.string(),
  skills: z.array(z.string()),
  resources: z.array(z.string()),
  headcount: z.number(),
  filledCount: z.number(),
  shiftStart: z.string(),
  shiftEnd: z.string(),
  shiftHours: z.number(),
  priority: z.number().meta({ description: '1 is the most urgent' }),
  bring: z.array(z.string()),
  briefing: z.string(),
  status: z.enum(taskStatuses),
  area: z.object({ postalArea: z.string(), latitude: z.number(), longitude: z.number() }),
  version: z.number(),
  updatedAt: z.string(),
});
export type TaskView = z.output<typeof taskView>;

export const taskList = z.object({ items: z.array(taskView), nextCursor: z.string().nullable() });
export type TaskList = z.output<typeof taskList>;

/** A site as a helper may see it: where to go, no site contact. */
const publicSite = z.object({ id: z.uuid(), name: z.string(), meetingPoint: z.string(), address, accessNotes: z.string().nullable() });

/** `GET /v1/tasks/:id/brief`: what a helper needs to decide on a proposal. */
export const taskBriefView = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  briefing: z.string(),
  bring: z.array(z.string()),
  skills: z.array(z.string()),
  resources: z.array(z.string()),
  shiftStart: z.string(),
  shiftEnd: z.string(),
  status: z.enum(taskStatuses),
  site: publicSite,
});
export type TaskBriefView = z.output<typeof taskBriefView>;

/** A check-in or check-out. */
export const attendanceView = z.object({
  assignmentId: z.uuid(),
  taskId: z.uuid(),
  siteId: z.uuid(),
  checkedInAt: z.string(),
  checkedOutAt: z.string().nullable(),
});
export type AttendanceView = z.output<typeof attendanceView>;

/** `GET /v1/checkins/me`: a helper's accepted assignments with their check-in codes. */
export const myAssignments = z.object({
  items: z.array(
    z.object({
      assignmentId: z.uuid(),
      task: z.object({ id: z.uuid(), title: z.string(), briefing: z.string(), bring: z.array(z.string()), status: z.enum(taskStatuses) }),
      site: publicSite,
      shiftStart: z.string(),
      shiftEnd: z.string(),
      code: z.string().meta({ description: 'Show this at the site; as text (XXXX-XXXX-XXXX) or as a QR code of qrPayload' }),
      qrPayload: z.string(),
      checkedInAt: z.string().nullable(),
      checkedOutAt: z.string().nullable(),
    }),
  ),
});
export type MyAssignments = z.output<typeof myAssignments>;

/** `GET /v1/checkins/hours`: hours worked per helper per day. */
export const hoursView = z.object({
  timeZone: z.string(),
  items: z.array(
    z.object({
      helperId: z.string(),
      day: z.string().meta({ description: 'Calendar day in the time zone; a shift over midnight counts on both days' }),
      hours: z.number(),
      shifts: z.number().meta({ description: 'shifts that touch the day' }),
      openShift: z.boolean().meta({ description: 'a shift of that day is not checked out yet; counted until now' }),
    }),
  ),
});
export type HoursView = z.output<typeof hoursView>;
