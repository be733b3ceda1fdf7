/**
 * Request and response schemas of the registration API. They validate requests and generate the
 * OpenAPI document (see @kathelfer/common/routes), so this file is the API's single description.
 */
import { timestamp, visibleText } from '@kathelfer/common/fields';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { consentTextVersions, purposesSince } from './consent.js';
import { canonicalEmail, canonicalEmailPattern } from './email.js';
import { consentPurposes, resources, skills } from './vocabulary.js';

const unique = <T>(items: T[]) => new Set(items).size === items.length;

/** Any common way of writing a number (German numbers without prefix), normalised to E.164. */
export const phone = z
  .string()
  .trim()
  .max(32)
  .transform((value, ctx) => {
    const parsed = parsePhoneNumberFromString(value, 'DE');
    if (parsed === undefined || !parsed.isValid()) {
      ctx.addIssue({ code: 'custom', message: 'not a valid phone number' });
      return z.NEVER;
    }
    return parsed.number;
  })
  .meta({ description: 'Phone number; normalised to E.164 (numbers without country code are read as German)', examples: ['+4915112345678'] });

/**
 * Normalised, then validated: trimmed (phone autofill adds spaces), the domain in ASCII form and
 * lower-cased (see email.ts), so the same mailbox registers once however it is typed.
 */
export const email = z
  .string()
  .trim()
  .max(1000)
  .transform(canonicalEmail)
  .pipe(z.string().max(254).regex(canonicalEmailPattern, 'not a valid e-mail address'))
  .meta({ description: 'E-mail address; an internationalised domain is stored in its ASCII (xn--) form', examples: ['info@bäckerei-müller-beispiel.de'] });

const contact = z
  .strictObject({ phone: phone.optional(), email: email.optional() })
  .refine((c) => c.phone !== undefined || c.email !== undefined, { message: 'give a phone number or an e-mail address' });

const coordinates = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});

const location = z
  .strictObject({
    postalCode: z.string().regex(/^\d{5}$/, 'a German postal code has 5 digits').optional(),
    coordinates: coordinates.optional(),
  })
  .refine((l) => l.postalCode !== undefined || l.coordinates !== undefined, { message: 'give a postal code or coordinates' });

const maxWindowMs = 14 * 24 * 3600 * 1000;
export const availabilityWindow = z
  .strictObject({ from: timestamp, to: timestamp })
  .refine((w) => Date.parse(w.to) > Date.parse(w.from), { message: '"to" must be after "from"', path: ['to'] })
  .refine((w) => Date.parse(w.to) - Date.parse(w.from) <= maxWindowMs, { message: 'a window is at most 14 days', path: ['to'] });

const skillList = z.array(z.enum(skills)).min(1).max(skills.length).refine(unique, { message: 'skills must not repeat' });
const resourceList = z.array(z.enum(resources)).max(resources.length).refine(unique, { message: 'resources must not repeat' });
/** ISO 639 language codes, optionally with a region (`de`, `uk`, `ar`, `pt-BR`). */
const languageList = z
  .array(z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'an ISO 639 language code like "de" or "uk"'))
  .max(20)
  .refine(unique, { message: 'languages must not repeat' });
const availabilityList = z.array(availabilityWindow).min(1).max(50);
const maxTravelKm = z.number().int().min(1).max(500);
const maxHoursPerDay = z.number().int().min(1).max(16);

const consentVersion = z.enum(consentTextVersions, { error: `the consent text version must be one of ${consentTextVersions.join(', ')}` });
/** `coordination` is required; the others are separate opt-ins, each can be withdrawn on its own. */
const consentPurposeList = z
  .array(z.enum(consentPurposes))
  .refine((p) => p.includes('coordination'), { message: 'consent to "coordination" is required; to withdraw it, erase your data' })
  .refine(unique, { message: 'purposes must not repeat' });

/** A consent: the text version agreed to and the purposes; a purpose only a later text describes needs that text. */
const consentBody = z
  .strictObject({ version: consentVersion, purposes: consentPurposeList })
  .superRefine((consent, ctx) => {
    for (const purpose of consent.purposes) {
      const since = purposesSince[purpose];
      if (since !== undefined && consent.version < since) {
        ctx.addIssue({ code: 'custom', path: ['purposes'], message: `"${purpose}" needs the consent text ${since} or later` });
      }
    }
  });

/** The language notifications are written in. */
export const locale = z.enum(['de', 'en']);

const interpretingNeedsLanguages = (h: { skills?: string[]; languages?: string[] }) =>
  !(h.skills?.includes('interpreting') ?? false) || (h.languages?.length ?? 0) > 0;

const incidentId = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'the DisasterEvent name');

export const registrationBody = z
  .strictObject({
    incidentId: incidentId.optional(),
    name: visibleText(200, { singleLine: true }),
    contact,
    location,
    maxTravelKm,
    skills: skillList,
    languages: languageList.default([]),
    resources: resourceList.default([]),
    availability: availabilityList,
    maxHoursPerDay,
    adultConfirmed: z.literal(true, { error: 'helpers must confirm they are 18 or older' }),
    consent: consentBody,
    locale: locale.default('de').meta({ description: 'the language of notifications' }),
  })
  .refine(interpretingNeedsLanguages, { message: 'interpreting needs at least one language', path: ['languages'] });

export type RegistrationInput = z.output<typeof registrationBody>;

export const registrationCreated = z.object({
  id: z.uuid(),
  token: z.string().meta({ description: 'Self-service token; shown once, only its hash is stored' }),
  selfService: z.string(),
});

/** Self-service: make myself available for another incident, agreeing to the consent text for it. */
export const joinIncidentBody = z.strictObject({
  incidentId,
  consent: consentBody,
});

export type JoinIncidentInput = z.output<typeof joinIncidentBody>;

export const selfServicePatch = z
  .strictObject({
    skills: skillList.optional(),
    languages: languageList.optional(),
    resources: resourceList.optional(),
    availability: availabilityList.optional(),
    maxHoursPerDay: maxHoursPerDay.optional(),
    maxTravelKm: maxTravelKm.optional(),
    paused: z.boolean().optional(),
    /** Give or withdraw opt-in purposes, agreeing to the given consent text version. */
    consent: consentBody.optional(),
    locale: locale.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'change at least one field' });

export type SelfServicePatch = z.output<typeof selfServicePatch>;

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

/** A Web Push subscription as the browser's PushSubscription.toJSON() gives it (RFC 8030 endpoint, RFC 8291 keys). */
export const pushSubscriptionBody = z.object({
  endpoint: z
    .url()
    .max(2000)
    .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(u), { message: 'a push endpoint is https (http only on loopback, for local tests)' }),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, 'the P-256 public key, base64url'),
    auth: z.string().regex(/^[A-Za-z0-9_-]{21,24}={0,2}$/, 'the 16-byte auth secret, base64url'),
  }),
});
export type PushSubscriptionInput = z.output<typeof pushSubscriptionBody>;
export const pushSubscriptionQuery = z.strictObject({ endpoint: z.url().max(2000) });

/**
 * A subscription the browser replaced on its own (the service worker's `pushsubscriptionchange`):
 * the old one's endpoint and auth secret, which only the browser and this service know (RFC 8291
 * section 3.2: the push service never sees the auth secret), stand in for the personal token the
 * service worker does not hold.
 */
export const pushRenewalBody = z.strictObject({
  oldEndpoint: z.url().max(2000),
  oldAuth: z.string().regex(/^[A-Za-z0-9_-]{21,24}={0,2}$/, 'the old subscription\'s 16-byte auth secret, base64url'),
  subscription: pushSubscriptionBody,
});
export type PushRenewalInput = z.output<typeof pushRenewalBody>;

export const helperListQuery = z.strictObject({
  incidentId: z.string().max(63).optional(),
  skill: z.enum(skills).optional(),
  resource: z.enum(resources).optional(),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/).optional(),
  postalArea: z.string().regex(/^\d{1,5}$/, 'a postal code prefix of 1 to 5 digits').optional(),
  near: z
    .string()
    .regex(/^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$/, 'latitude,longitude')
    .optional()
    .meta({ description: 'latitude,longitude; with radiusKm' }),
  radiusKm: z.coerce.number().positive().max(500).default(25),
  availableAt: timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export type HelperListQuery = z.output<typeof helperListQuery>;

export const helperList = z.object({ items: z.array(helperProfile.extend({ registeredAt: z.string() })), nextOffset: z.number().nullable() });

export const helperIdParams = z.strictObject({ id: z.uuid() });

export const contactQuery = z.strictObject({
  reason: visibleText(500)
    .refine((reason) => reason.length >= 3, { message: 'give a reason of at least 3 characters' })
    .meta({ description: 'Why the contact details are needed; logged' }),
});

export const contactView = z.object({
  helperId: z.uuid(),
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
});

export const incidentParams = z.strictObject({ id: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) });
export const incidentBody = z.strictObject({ endedAt: timestamp.nullable() });
