/**
 * Response bodies of the registration API (`services/registration`), declared once: the service
 * answers with them (its view builders are typed by them), the web's pages read their types from
 * here. A renamed field fails the service's and the pages' compile.
 */
import { z } from 'zod';

/** The language notifications are written in. */
export const locale = z.enum(['de', 'en']);
export type Locale = z.output<typeof locale>;

/** `POST /v1/helpers`: the new helper and their self-service token (shown only now). */
export const registrationCreated = z.object({
  id: z.uuid(),
  token: z.string().meta({ description: 'Self-service token; shown once, only its hash is stored' }),
  selfService: z.string(),
});
export type RegistrationCreated = z.output<typeof registrationCreated>;

/** What matching needs of a helper: no name, no contact, location only coarse. */
export const helperProfile = z.object({
  helperId: z.uuid(),
  incidentId: z.string().nullable().meta({ description: 'the incident the helper first registered for' }),
  incidentIds: z.array(z.string()).meta({ description: 'every incident the helper is available for' }),
  skills: z.array(z.string()),
  languages: z.array(z.string()),
  resources: z.array(z.string()),
  area: z.object({
    postalArea: z.string().nullable().meta({ description: 'first 3 digits of the postal code' }),
    latitude: z.number().nullable().meta({ description: 'rounded to 0.01° (about 1 km)' }),
    longitude: z.number().nullable(),
  }),
  maxTravelKm: z.number(),
  maxHoursPerDay: z.number(),
  availability: z.array(z.object({ from: z.string(), to: z.string() })),
  paused: z.boolean(),
});

export type HelperProfile = z.output<typeof helperProfile>;

/** `GET /v1/helpers/me` and every self-service write: everything stored about the helper. */
export const selfServiceView = helperProfile.extend({
  name: z.string(),
  contact: z.object({ phone: z.string().nullable(), email: z.string().nullable() }),
  consent: z.object({ version: z.string(), purposes: z.array(z.string()), consentedAt: z.string() }),
  incidents: z
    .array(z.object({ incidentId: z.string(), consent: z.object({ version: z.string(), purposes: z.array(z.string()), consentedAt: z.string() }) }))
    .meta({ description: 'the incidents you are available for, each with the consent you gave for it' }),
  registeredAt: z.string(),
  locale: locale.meta({ description: 'the language of notifications' }),
  notifications: z.object({
    email: z.boolean().meta({ description: 'consent to notify-email given and an e-mail address known' }),
    push: z.object({ consented: z.boolean(), subscriptions: z.number().int(), publicKey: z.string().nullable().meta({ description: 'the VAPID public key to subscribe with; null: Web Push is not configured' }) }),
  }),
});
export type SelfServiceView = z.output<typeof selfServiceView>;

/** `GET /v1/helpers` (coordinators): helpers as matching sees them. */
export const helperList = z.object({ items: z.array(helperProfile.extend({ registeredAt: z.string() })), nextOffset: z.number().nullable() });
export type HelperList = z.output<typeof helperList>;
