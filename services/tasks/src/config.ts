import { hostname } from 'node:os';
import { baseConfigSchema, loadConfig } from '@kathelfer/common/config';
import { z } from 'zod';

const minutes = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

export const tasksConfigSchema = baseConfigSchema.extend({
  DB_SCHEMA: baseConfigSchema.shape.DB_SCHEMA.default('tasks'),
  /** Signs check-in codes; rotating it invalidates every code handed out. */
  CHECKIN_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** How long before the shift starts a helper may check in. */
  CHECKIN_EARLY_MINUTES: minutes(60),
  /** How long after the shift ends a code still checks in: shifts overrun in a disaster. */
  CHECKIN_GRACE_MINUTES: minutes(120),
  /** This replica's name in the consumer group; pod names are unique, which is what it needs. */
  CONSUMER_NAME: z.string().min(1).default(hostname()),
  /** After how long events a replica was handed but did not acknowledge are taken over by another (a pod that died). */
  CONSUMER_CLAIM_IDLE_MS: z.coerce.number().int().positive().default(60_000),
  /** Days the check-in log is kept after the check-out: proof for the accident insurance. */
  ATTENDANCE_RETENTION_DAYS: z.coerce.number().int().positive().default(5 * 365),
});

export type TasksConfig = z.infer<typeof tasksConfigSchema>;

export function loadTasksConfig(env: Record<string, string | undefined> = process.env): TasksConfig {
  return loadConfig(tasksConfigSchema, env);
}
