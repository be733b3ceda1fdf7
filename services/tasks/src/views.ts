/** What leaves the service: API views and event payloads, built from rows in one place each. */
import type { PayloadIn } from '@kathelfer/contracts';
import type { AttendanceView, SiteView, TaskBriefView, TaskView } from '@kathelfer/contracts/api/tasks';
import type { SiteAttributes } from './models/site.model.js';
import type { TaskAttributes } from './models/task.model.js';
import type { SiteOfTask } from './site-capacity.js';

export function siteViewOf(site: SiteAttributes): SiteView {
  return {
    id: site.id,
    incidentId: site.incidentId,
    name: site.name,
    address: { street: site.street, postalCode: site.postalCode, city: site.city },
    coordinates: { latitude: site.latitude, longitude: site.longitude },
    meetingPoint: site.meetingPoint,
    contact: site.contactName === null || site.contactPhone === null ? null : { name: site.contactName, phone: site.contactPhone },
    capacity: site.capacity,
    accessNotes: site.accessNotes,
    version: site.version,
    updatedAt: site.updatedAt.toISOString(),
  };
}

const hours = (start: Date, end: Date) => Math.round(((end.getTime() - start.getTime()) / 3_600_000) * 100) / 100;

export function taskViewOf(task: TaskAttributes): TaskView {
  return {
    id: task.id,
    incidentId: task.incidentId,
    siteId: task.siteId,
    title: task.title,
    description: task.description,
    skills: task.skills,
    resources: task.resources,
    headcount: task.headcount,
    filledCount: task.filledCount,
    shiftStart: task.shiftStart.toISOString(),
    shiftEnd: task.shiftEnd.toISOString(),
    shiftHours: hours(task.shiftStart, task.shiftEnd),
    priority: task.priority,
    bring: task.bring,
    briefing: task.briefing,
    status: task.status,
    area: { postalArea: task.postalArea, latitude: task.latitude, longitude: task.longitude },
    version: task.version,
    updatedAt: task.updatedAt.toISOString(),
  };
}

/** A task's brief for helpers: the task, its shift, what to bring, where to meet; no site contact. */
export function taskBriefViewOf(task: TaskAttributes, site: SiteAttributes): TaskBriefView {
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    briefing: task.briefing,
    bring: task.bring,
    skills: task.skills,
    resources: task.resources,
    shiftStart: task.shiftStart.toISOString(),
    shiftEnd: task.shiftEnd.toISOString(),
    status: task.status,
    site: {
      id: site.id,
      name: site.name,
      meetingPoint: site.meetingPoint,
      address: { street: site.street, postalCode: site.postalCode, city: site.city },
      accessNotes: site.accessNotes,
    },
  };
}

/** A check-in, and the check-out when there is one. */
export function attendanceViewOf(row: { assignmentId: string; taskId: string; siteId: string; checkedInAt: Date; checkedOutAt: Date | null }): AttendanceView {
  return {
    assignmentId: row.assignmentId,
    taskId: row.taskId,
    siteId: row.siteId,
    checkedInAt: row.checkedInAt.toISOString(),
    checkedOutAt: row.checkedOutAt?.toISOString() ?? null,
  };
}

/**
 * What matching needs of a task: skills, resources, headcount and fill, location, shift, priority,
 * and the capacity of its site (helpers present at once over all the site's tasks), without which
 * the planner would send more helpers than the site may hold. No title, description or briefing
 * (free text may name people), and nothing of the site contact.
 */
export function taskEventOf(task: TaskAttributes, site: SiteOfTask): PayloadIn<'tasks', 'task.created'> {
  return {
    taskId: task.id,
    incidentId: task.incidentId,
    siteId: task.siteId,
    status: task.status,
    skills: task.skills,
    resources: task.resources,
    headcount: task.headcount,
    filledCount: task.filledCount,
    priority: task.priority,
    shift: { start: task.shiftStart.toISOString(), end: task.shiftEnd.toISOString() },
    location: { postalArea: task.postalArea, latitude: task.latitude, longitude: task.longitude },
    siteCapacity: site.capacity,
    version: task.version,
    brief: briefOf(task, site),
  };
}

/**
 * What a helper's notification says of a task (issue 17): the title, what to bring, and where the
 * site is and where to meet — what `GET /v1/tasks/:id/brief` shows every helper of the incident.
 * Not the description or briefing (longer free text that may name people), not the site contact.
 */
export type TaskEventPayload = ReturnType<typeof taskEventOf>;

export function briefOf(task: Pick<TaskAttributes, 'title' | 'bring'>, site: SiteOfTask) {
  return {
    title: task.title,
    bring: task.bring,
    site: { name: site.name, address: { street: site.street, postalCode: site.postalCode, city: site.city }, meetingPoint: site.meetingPoint },
  };
}
