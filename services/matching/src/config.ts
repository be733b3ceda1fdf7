import { hostname } from 'node:os';
import { baseConfigSchema, loadConfig } from '@kathelfer/common/config';
import { z } from 'zod';

const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const matchingConfigSchema = baseConfigSchema.extend({
  DB_SCHEMA: baseConfigSchema.shape.DB_SCHEMA.default('matching'),
  /** This replica's name in the consumer groups; pods differ by host name. */
  CONSUMER_NAME: z.string().default(hostname()),
  /** Events of different helpers (tasks) applied at once; one helper's (task's) events stay in order. */
  CONSUMER_CONCURRENCY: positive(8),
  /**
   * Checks the accept links in proposal mails (HMAC key shared with registration, which signs
   * them; services/common/src/action-link.ts). Unset: only the self-service token answers.
   */
  ACTION_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long a helper has to answer a proposal before it expires and the slot is re-planned. */
  PROPOSAL_TTL_SECONDS: positive(1800),
  /** How often each replica looks for expired proposals and incidents that need a round. */
  SWEEP_MS: positive(5_000),
  /** A round's Redis lock lives this long; a crashed replica's lock is gone after it. */
  ROUND_LOCK_TTL_MS: positive(120_000),
  /** How long `POST /v1/matching/runs` waits for another replica's round of the same incident. */
  ROUND_LOCK_WAIT_MS: z.coerce.number().int().nonnegative().default(20_000),
  /** Changes within this time are planned in one round. */
  ROUND_DEBOUNCE_MS: z.coerce.number().int().nonnegative().default(1_000),
  /** Least time between two background rounds of one incident on a replica (coordinators' runs are not held back). */
  ROUND_MIN_INTERVAL_MS: z.coerce.number().int().nonnegative().default(10_000),
  /**
   * Whether new or changed helpers and tasks trigger a round by themselves. Declines, expiries,
   * erasures and cancellations always do: they open slots that someone already counted on.
   */
  PLAN_ON_NEW_DATA: z.stringbool().default(true),
  /**
   * A round's planning runs in a worker thread; after this long its improvement phases stop and the
   * best plan so far is used.
   */
  ROUND_PLAN_DEADLINE_MS: positive(15_000),
  /** Past the deadline by this much, the worker is terminated and the round fails (retried later). */
  ROUND_PLAN_GRACE_MS: positive(15_000),
  REST_HOURS: z.coerce.number().nonnegative().default(11),
  SEARCH_ITERATIONS: z.coerce.number().int().nonnegative().default(1000),
});

export type MatchingConfig = z.infer<typeof matchingConfigSchema>;

export function loadMatchingConfig(env: Record<string, string | undefined> = process.env): MatchingConfig {
  return loadConfig(matchingConfigSchema, env);
}
