/**
 * Events of the registration service on the `registration` stream: the matching projection of a
 * helper and the SHA-256 of their self-service token. Only what matching needs: never a name or a
 * contact detail, location only coarsened (0.01°, postal area) — GDPR Art. 5(1)(c), data minimisation.
 */
import { z } from 'zod';
import { helperId, incidentId, timestamp, tokenHash } from './vocabulary.js';

const window = z.object({ from: timestamp, to: timestamp });

/** `helper.registered` / `helper.updated` v1: the whole projection (event-carried state transfer). */
export const helperSnapshotV1 = z.object({
  helperId,
  /** The incident the helper first registered for; null: registered without one. */
  incidentId: incidentId.nullable(),
  /** Every incident the helper is available for (registration's helper_incidents). */
  incidentIds: z.array(incidentId),
  skills: z.array(z.string()),
  languages: z.array(z.string()),
  resources: z.array(z.string()),
  area: z.object({
    /** First 3 digits of the postal code. */
    postalArea: z.string().nullable(),
    /** Rounded to 0.01° (about 1 km). */
    latitude: z.number().min(-90).max(90).nullable(),
    longitude: z.number().min(-180).max(180).nullable(),
  }),
  /** km. */
  maxTravelKm: z.number().nonnegative(),
  /**
   * Hours of shifts per Europe/Berlin calendar day, all shifts touching the day counted whole: a
   * 22:00–04:00 shift is 6 h on both days.
   */
  maxHoursPerDay: z.number().nonnegative(),
  availability: z.array(window),
  paused: z.boolean(),
  /** SHA-256 of the self-service token; null once the token is revoked. */
  tokenHash: tokenHash.nullable(),
});

/** `helper.erased` v1: every copy of the helper goes (GDPR Art. 17). */
export const helperErasedV1 = z.object({ helperId });
