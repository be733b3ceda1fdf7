/**
 * Request and response schemas of the registration API. They validate requests and generate the
 * OpenAPI document (see @kathelfer/common/routes), so this file is the API's single description.
 */
import { timestamp, visibleText } from '@kathelfer/common/fields';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { locale } from '@kathelfer/contracts/api/registration';
import { z } from 'zod';
import { consentTextVersions, purposesSince } from './consent.js';
import { canonicalEmail, canonicalEmailPattern } from './email.js';
import { consentPurposes, resources, skills } from './vocabulary.js';

const unique = <T>(items: T[]) => new Set(items).size === items.length;
/** Field-error kinds of the refinements (the code is `<field name>.<kind>`, see fieldProblems in common). */
const repeated = { code: 'repeated' };
/** Also thrown by the service when a change leaves interpreting without a language. */
export const neededForInterpreting = { code: 'needed_for_interpreting' };

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
  .refine((w) => Date.parse(w.to) > Date.parse(w.from), { message: '"to" must be after "from"', path: ['to'], params: { code: 'before_from' } })
  .refine((w) => Date.parse(w.to) - Date.parse(w.from) <= maxWindowMs, { message: 'a window is at most 14 days', path: ['to'], params: { code: 'too_long' } });

const skillList = z.array(z.enum(skills)).min(1).max(skills.length).refine(unique, { message: 'skills must not repeat', params: repeated });
const resourceList = z.array(z.enum(resources)).max(resources.length).refine(unique, { message: 'resources must not repeat', params: repeated });
/** ISO 639 language codes, optionally with a region (`de`, `uk`, `ar`, `pt-BR`). */
const languageList = z
  .array(z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'an ISO 639 language code like "de" or "uk"'))
  .max(20)
  .refine(unique, { message: 'languages must not repeat', params: repeated });
const availabilityList = z.array(availabilityWindow).min(1).max(50);
const maxTravelKm = z.number().int().min(1).max(500);
const maxHoursPerDay = z.number().int().min(1).max(16);

const consentVersion = z.enum(consentTextVersions, { error: `the consent text version must be one of ${consentTextVersions.join(', ')}` });
/** `coordination` is required; the others are separate opt-ins, each can be withdrawn on its own. */
const consentPurposeList = z
  .array(z.enum(consentPurposes))
  .refine((p) => p.includes('coordination'), { message: 'consent to "coordination" is required; to withdraw it, erase your data', params: { code: 'coordination_required' } })
  .refine(unique, { message: 'purposes must not repeat', params: repeated });

const tooOldFor = (version: string, purpose: string) => {
  const since = purposesSince[purpose];
  return since !== undefined && version < since;
};

/** A consent: the text version agreed to and the purposes; a purpose only a later text describes needs that text. */
const consentBody = z
  .strictObject({ version: consentVersion, purposes: consentPurposeList })
  .refine((consent) => consent.purposes.every((purpose) => !tooOldFor(consent.version, purpose)), {
    path: ['purposes'],
    params: { code: 'needs_later_text' },
    error: (issue) => {
      const consent = issue.input as { version: string; purposes: string[] };
      const purpose = consent.purposes.find((p) => tooOldFor(consent.version, p)) ?? '';
      return `"${purpose}" needs the consent text ${purposesSince[purpose]} or later`;
    },
  });

/** The language notifications are written in (declared with the API's responses in the contracts). */
export { locale };

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
  .refine(interpretingNeedsLanguages, { message: 'interpreting needs at least one language', path: ['languages'], params: neededForInterpreting });

export type RegistrationInput = z.output<typeof registrationBody>;

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
  .refine((p) => Object.keys(p).length > 0, { message: 'change at least one field', params: { code: 'no_change' } });

export type SelfServicePatch = z.output<typeof selfServicePatch>;

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
