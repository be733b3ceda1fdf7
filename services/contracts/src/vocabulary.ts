/**
 * The words every service, the web and every event use for the same things, each stated once.
 * Source of each rule is named where it has one.
 */
import { z } from 'zod';

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in ms: what both PostgreSQL and ISO 8601's four-digit years hold. */
export const earliestInstantMs = Date.parse('0001-01-01T00:00:00Z');
export const latestInstantMs = Date.parse('9999-12-31T23:59:59.999Z');

/** A written offset PostgreSQL refuses: it holds ±15:59 at most (22009 "time zone displacement out of range"). */
const offsetTooLarge = /[+-](1[6-9]|2\d):\d\d$/;

/**
 * An instant as RFC 3339 / ISO 8601 date-time with `Z` or an offset (`2026-11-27T08:00:00+01:00`),
 * restricted to what PostgreSQL's timestamptz holds: offsets of at most ±15:59 and instants from
 * year 1 to 9999 (year 0 is 22008 there). Zod's format checks the calendar (no 30 February).
 */
export const timestamp = z.iso
  .datetime({ offset: true })
  .refine((value) => !offsetTooLarge.test(value), { message: 'the UTC offset must be between -15:59 and +15:59' })
  .refine(
    (value) => {
      const ms = Date.parse(value);
      return Number.isFinite(ms) && ms >= earliestInstantMs && ms <= latestInstantMs;
    },
    { message: 'the instant must lie between the years 1 and 9999' },
  )
  .meta({ description: 'ISO 8601 date-time with Z or an offset of at most ±15:59, years 1 to 9999', examples: ['2026-11-27T08:00:00+01:00'] });

/**
 * The incident: the name of its DisasterEvent in Kubernetes, a DNS-1123 label (RFC 1123, at most
 * 63 characters). Called `incidentId` everywhere — code, API, events, database (`incident_id`),
 * web; "event" means a bus event only.
 */
export const incidentId = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'the DisasterEvent name (a DNS label)')
  .meta({ description: "the incident: its DisasterEvent's name (a DNS-1123 label)", examples: ['hochwasser-ahr'] });

/** Registration's pseudonymous id of a helper (a UUID): never a name or contact. */
export const helperId = z.uuid();

/**
 * A task's priority, as coordinators and the German emergency services count it: 1 is the most
 * urgent, 5 the least. The one scale of the platform — API, events, databases, web.
 */
export const priority = z
  .number()
  .int()
  .min(1)
  .max(5)
  .meta({ description: '1 is the most urgent, 5 the least', examples: [1, 3] });

export type Priority = 1 | 2 | 3 | 4 | 5;
export const mostUrgent: Priority = 1;
export const leastUrgent: Priority = 5;

/**
 * The planner's weight of a priority: 5 for priority 1 down to 1 for priority 5, so a higher weight
 * is more urgent and "priority-weighted fill" sums weights. The only place the scale is turned.
 */
export function urgencyOf(p: Priority): Priority {
  return (6 - p) as Priority;
}

/** SHA-256 of a self-service token, hex: the only form of the token that leaves registration. */
export const tokenHash = z.string().regex(/^[0-9a-f]{64}$/);
