/**
 * What this service reads of the registration service's helper events (services/registration
 * `helperEventOf`). Unknown fields are dropped on parsing, so the read model keeps only what
 * matching needs: never a name or contact detail, location only as registration coarsened it.
 */
import { timestamp } from '@kathelfer/common/fields';
import { z } from 'zod';

const window = z.object({ from: timestamp, to: timestamp });

export const helperSnapshot = z
  .object({
    helperId: z.uuid(),
    /** The incident the helper first registered for. */
    incidentId: z.string().nullable(),
    /** Every incident the helper is available for; events written before it existed name only `incidentId`. */
    incidentIds: z.array(z.string()).optional(),
    skills: z.array(z.string()),
    resources: z.array(z.string()),
    area: z.object({ latitude: z.number().min(-90).max(90).nullable(), longitude: z.number().min(-180).max(180).nullable() }),
    maxTravelKm: z.number().nonnegative(),
    /**
     * Hours of shifts per Europe/Berlin calendar day, all shifts touching the day counted whole: a
     * 22:00–04:00 shift is 6 h on both days, so no single shift is longer (engine/time.ts).
     */
    maxHoursPerDay: z.number().nonnegative().describe('hours of shifts per Berlin calendar day; a shift counts whole to every day it touches'),
    availability: z.array(window),
    paused: z.boolean(),
    /** SHA-256 of the helper's self-service token; null once erased. */
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().default(null),
  })
  .transform((h) => ({ ...h, incidentIds: h.incidentIds ?? (h.incidentId === null ? [] : [h.incidentId]) }));

export const helperErased = z.object({ helperId: z.uuid() });

export type HelperSnapshot = z.output<typeof helperSnapshot>;
