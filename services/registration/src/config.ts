import { baseConfigSchema, loadConfig } from '@kathelfer/common/config';
import { z } from 'zod';
import { notificationConfigShape } from './notifications/config.js';

export const registrationConfigSchema = baseConfigSchema.extend({
  DB_SCHEMA: baseConfigSchema.shape.DB_SCHEMA.default('registration'),
  /**
   * Registration attempts one client address may send per window: an abuse limit, not a fairness
   * one. Thousands of phones share one carrier-grade NAT address, and a town hall kiosk registers
   * a queue of people, so it sits far above an appeal's rate (≥ 2,000 a minute from one address
   * must pass; see README, "Rate limits").
   */
  RATE_LIMIT_REGISTRATIONS: z.coerce.number().int().positive().default(6000),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  /** Attempts per phone number and per e-mail address (hashed) per RATE_LIMIT_PERSON_WINDOW_SECONDS. */
  RATE_LIMIT_PER_PERSON: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_PERSON_WINDOW_SECONDS: z.coerce.number().int().positive().default(3600),
  /**
   * Refused attempts (4xx other than 429: duplicates, invalid data) one address may cause per
   * RATE_LIMIT_FAILURE_WINDOW_SECONDS; over it, the address is refused for RATE_LIMIT_BLOCK_SECONDS.
   * Probing which numbers are registered fails here long before it learns much.
   */
  RATE_LIMIT_FAILURES: z.coerce.number().int().positive().default(1200),
  RATE_LIMIT_FAILURE_WINDOW_SECONDS: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_BLOCK_SECONDS: z.coerce.number().int().nonnegative().default(900),
  /** Days after an incident ended until its helpers are anonymized. */
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  ...notificationConfigShape,
});

export type RegistrationConfig = z.infer<typeof registrationConfigSchema>;

export function loadRegistrationConfig(env: Record<string, string | undefined> = process.env): RegistrationConfig {
  return loadConfig(registrationConfigSchema, env);
}
