import type { PayloadIn } from '@kathelfer/contracts';
import type { HelperAttributes } from './models/helper.model.js';
import type { HelperProfile } from '@kathelfer/contracts/api/registration';

/** Coordinates rounded to 0.01° (about 1 km): enough for travel distances, not a front door. */
export function coarse(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 100) / 100;
}

export function postalAreaOf(postalCode: string | null | undefined): string | null {
  return postalCode ? postalCode.slice(0, 3) : null;
}

/**
 * The matching projection: the only shape of a helper that leaves this service. `incidentIds` are
 * the incidents they are available for (helper_incidents); `incidentId` stays the one they first
 * registered for, so a consumer that knows only that field keeps working.
 */
export function profileOf(helper: HelperAttributes, incidentIds: string[]): HelperProfile {
  return {
    helperId: helper.id,
    incidentId: helper.incidentId,
    incidentIds,
    skills: helper.skills,
    languages: helper.languages,
    resources: helper.resources,
    area: { postalArea: helper.postalArea, latitude: helper.coarseLatitude, longitude: helper.coarseLongitude },
    maxTravelKm: helper.maxTravelKm,
    maxHoursPerDay: helper.maxHoursPerDay,
    availability: helper.availability,
    paused: helper.paused,
  };
}

/**
 * The payload of helper.registered and helper.updated: the matching projection plus the SHA-256 of
 * the self-service token, so the matching service can let helpers accept or decline proposals with
 * the token they already hold, without reading this service's tables. The hash of 256 random bits
 * reveals nothing usable; the token itself never leaves this service.
 */
export function helperEventOf(helper: HelperAttributes, incidentIds: string[]): PayloadIn<'registration', 'helper.registered'> {
  return { ...profileOf(helper, incidentIds), tokenHash: helper.tokenHash };
}
