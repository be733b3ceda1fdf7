import type { HelperAttributes } from './models/helper.model.js';
import type { HelperProfile } from './schemas.js';

export const eventStream = 'registration';

/** Coordinates rounded to 0.01° (about 1 km): enough for travel distances, not a front door. */
export function coarse(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 100) / 100;
}

export function postalAreaOf(postalCode: string | null | undefined): string | null {
  return postalCode ? postalCode.slice(0, 3) : null;
}

/** The matching projection: the only shape of a helper that leaves this service. */
export function profileOf(helper: HelperAttributes): HelperProfile {
  return {
    helperId: helper.id,
    incidentId: helper.incidentId,
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
