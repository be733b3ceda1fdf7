import { baseConfigSchema, loadConfig } from '@kathelfer/common/config';
import { z } from 'zod';

export const registrationConfigSchema = baseConfigSchema.extend({
  DB_SCHEMA: baseConfigSchema.shape.DB_SCHEMA.default('registration'),
  /** Registrations one client IP may send per window; a family on one router registers together. */
  RATE_LIMIT_REGISTRATIONS: z.coerce.number().int().positive().default(20),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  /** Days after an incident ended until its helpers are anonymized. */
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),
});

export type RegistrationConfig = z.infer<typeof registrationConfigSchema>;

export function loadRegistrationConfig(env: Record<string, string | undefined> = process.env): RegistrationConfig {
  return loadConfig(registrationConfigSchema, env);
}
