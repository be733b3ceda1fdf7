/**
 * Request schemas of the task API. They validate requests and, with the response schemas declared
 * in the contracts (`@kathelfer/contracts/api/tasks`), generate the OpenAPI document (see
 * @kathelfer/common/routes).
 */
import { cursor, earliestInstantMs, latestInstantMs, timestamp as pgTimestamp, visibleText } from '@kathelfer/common/fields';
import type { FieldProblem } from '@kathelfer/common/errors';
import { resources, skills } from '@kathelfer/common/vocabulary';
import { z } from 'zod';
import { taskStatuses } from './lifecycle.js';

const unique = <T>(items: T[]) => new Set(items).size === items.length;
/** Field-error kinds of the refinements (the code is `<field name>.<kind>`, see fieldProblems in common). */
const repeated = { code: 'repeated' };
const noChange = { code: 'no_change' };
const beforeStart = { code: 'before_start' };
const tooLong = { code: 'too_long' };
const incidentId = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'the DisasterEvent name (a DNS label)');
/** Text a person reads, with at least one visible character. */
const text = (max: number) => visibleText(max);
const timestamp = pgTimestamp;
const version = z.number().int().positive().meta({ description: 'The version you read; a stale one gets 409 with the current version' });

const address = z.strictObject({
  street: text(200).optional(),
  postalCode: z.string().regex(/^\d{5}$/, 'a German postal code has 5 digits'),
  city: text(100),
});
const coordinates = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});
const onSiteContact = z.strictObject({
  name: text(200),
  phone: z.string().trim().regex(/^\+?[0-9 ()/-]{5,30}$/, 'a phone number'),
});

const siteFields = {
  name: text(200),
  address,
  coordinates,
  meetingPoint: text(500),
  contact: onSiteContact.optional(),
  capacity: z.number().int().min(1).max(10_000),
  accessNotes: text(2000).optional(),
};

export const siteBody = z.strictObject({ incidentId, ...siteFields });
export type SiteInput = z.output<typeof siteBody>;

export const sitePatch = z
  .strictObject({
    version,
    name: siteFields.name.optional(),
    address: address.optional(),
    coordinates: coordinates.optional(),
    meetingPoint: siteFields.meetingPoint.optional(),
    contact: onSiteContact.nullable().optional(),
    capacity: siteFields.capacity.optional(),
    accessNotes: text(2000).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 1, { message: 'change at least one field', params: noChange });
export type SitePatch = z.output<typeof sitePatch>;

export const siteListQuery = z.strictObject({ incidentId });

const maxShiftMs = 24 * 3600 * 1000;
const skillList = z.array(z.enum(skills)).max(skills.length).refine(unique, { message: 'skills must not repeat', params: repeated });
const resourceList = z.array(z.enum(resources)).max(resources.length).refine(unique, { message: 'resources must not repeat', params: repeated });
const bringList = z.array(text(200)).max(30);

const taskFields = {
  title: text(200),
  description: z.string().trim().max(5000),
  siteId: z.uuid(),
  skills: skillList,
  resources: resourceList,
  headcount: z.number().int().min(1).max(1000),
  shiftStart: timestamp,
  shiftEnd: timestamp,
  priority: z.number().int().min(1).max(5).meta({ description: '1 is the most urgent' }),
  bring: bringList,
  briefing: z.string().trim().max(10_000),
};

const shiftIsSane = (t: { shiftStart?: string; shiftEnd?: string }) =>
  t.shiftStart === undefined || t.shiftEnd === undefined || Date.parse(t.shiftEnd) > Date.parse(t.shiftStart);
const shiftIsShort = (t: { shiftStart?: string; shiftEnd?: string }) =>
  t.shiftStart === undefined || t.shiftEnd === undefined || Date.parse(t.shiftEnd) - Date.parse(t.shiftStart) <= maxShiftMs;

/**
 * Field errors the service finds after parsing, with the stored rows (a site that does not exist, a
 * changed shift that now ends before it starts, a version that does not match): thrown with these
 * codes, so clients tell them apart by code (the web's texts are keyed by it), never by message.
 */
export const domainProblems = {
  siteNotFound: { field: 'body.siteId', code: 'siteId.not_found', message: 'no such site' },
  siteOfOtherIncident: { field: 'body.siteId', code: 'siteId.other_incident', message: 'the site belongs to another incident' },
  shiftBeforeStart: { field: 'body.shiftEnd', code: `shiftEnd.${beforeStart.code}`, message: 'the shift must end after it starts' },
  shiftTooLong: { field: 'body.shiftEnd', code: `shiftEnd.${tooLong.code}`, message: 'a shift is at most 24 hours' },
  versionMissing: { field: 'body.version', code: 'version.missing', message: 'give the version you read (or If-Match), so no change is overwritten unseen' },
  versionMismatch: { field: 'body.version', code: 'version.mismatch', message: 'differs from If-Match' },
  ifMatchInvalid: { field: 'header.If-Match', code: 'If-Match.invalid', message: 'an ETag of this resource, like "3"' },
  checkinCodeUnknown: { field: 'body.code', code: 'code.unknown', message: 'not a valid check-in code' },
} as const satisfies Record<string, Required<FieldProblem>>;

export const taskBody = z
  .strictObject({
    incidentId,
    ...taskFields,
    description: taskFields.description.default(''),
    skills: skillList.default([]),
    resources: resourceList.default([]),
    bring: bringList.default([]),
    briefing: taskFields.briefing.default(''),
  })
  .refine(shiftIsSane, { message: 'the shift must end after it starts', path: ['shiftEnd'], params: beforeStart })
  .refine(shiftIsShort, { message: 'a shift is at most 24 hours', path: ['shiftEnd'], params: tooLong });
export type TaskInput = z.output<typeof taskBody>;

export const taskPatch = z
  .strictObject({
    version: version.optional(),
    status: z.enum(taskStatuses).optional(),
    title: taskFields.title.optional(),
    description: taskFields.description.optional(),
    siteId: taskFields.siteId.optional(),
    skills: skillList.optional(),
    resources: resourceList.optional(),
    headcount: taskFields.headcount.optional(),
    shiftStart: timestamp.optional(),
    shiftEnd: timestamp.optional(),
    priority: taskFields.priority.optional(),
    bring: bringList.optional(),
    briefing: taskFields.briefing.optional(),
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'version'), { message: 'change at least one field', params: noChange })
  .refine(shiftIsSane, { message: 'the shift must end after it starts', path: ['shiftEnd'], params: beforeStart });
export type TaskPatch = z.output<typeof taskPatch>;

/** The keyset of the open-task list: priority, shift start (ms since the epoch, a time PostgreSQL holds), id. */
export const taskCursor = z.tuple([z.number().int().min(1).max(5), z.number().int().min(earliestInstantMs).max(latestInstantMs), z.uuid()]);

export const taskListQuery = z.strictObject({
  incidentId,
  area: z.string().regex(/^\d{3}$/, 'a postal area: the first 3 digits of the postal code').optional(),
  maxPriority: z.coerce.number().int().min(1).max(5).default(5).meta({ description: 'only tasks of this priority or more urgent (1 is the most urgent)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: cursor(taskCursor).optional(),
});
export type TaskListQuery = z.output<typeof taskListQuery>;

export const idParams = z.strictObject({ id: z.uuid() });

export const codeBody = z.strictObject({
  siteId: z.uuid(),
  code: z.string().max(64).meta({ description: 'The helper\'s check-in code as typed or scanned (dashes, case and the QR prefix do not matter)' }),
});

const maxRangeMs = 31 * 24 * 3600 * 1000;
export const hoursQuery = z
  .strictObject({
    from: timestamp,
    to: timestamp,
    helperId: z.string().min(1).max(100).optional(),
    reason: z.string().trim().min(3).max(500).meta({ description: 'Why the check-in log is read; logged' }),
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: '"to" must be after "from"', path: ['to'], params: { code: 'before_from' } })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= maxRangeMs, { message: 'at most 31 days at once', path: ['to'], params: { code: 'range_too_long' } });
export type HoursQuery = z.output<typeof hoursQuery>;
