import { addressLimits, Limit, personKey } from '@kathelfer/common/rate-limit';
import type { RedisClient } from '@kathelfer/common/redis';
import type { Middleware } from 'koa';
import type { RegistrationConfig } from './config.js';

/** The limits on registration (README, "Rate limits"); counters are shared by all replicas in Redis. */
export interface RegistrationLimits {
  /** Per client address: every attempt, and the refused ones (route middleware, before the body is read). */
  address: Middleware;
  /** Per person: each attempt with this phone number or e-mail address, after validation; 429 when over. */
  person(contact: { phone?: string | null; email?: string | null }): Promise<void>;
}

export function registrationLimits(redis: RedisClient, config: RegistrationConfig): RegistrationLimits {
  const prefix = `${config.REDIS_PREFIX}ratelimit:registration:`;
  const perAddress = new Limit(redis, prefix, { name: 'address', points: config.RATE_LIMIT_REGISTRATIONS, durationSeconds: config.RATE_LIMIT_WINDOW_SECONDS });
  const failures = new Limit(redis, prefix, {
    name: 'failures',
    points: config.RATE_LIMIT_FAILURES,
    durationSeconds: config.RATE_LIMIT_FAILURE_WINDOW_SECONDS,
    blockSeconds: config.RATE_LIMIT_BLOCK_SECONDS,
  });
  const perPerson = new Limit(redis, prefix, { name: 'person', points: config.RATE_LIMIT_PER_PERSON, durationSeconds: config.RATE_LIMIT_PERSON_WINDOW_SECONDS });
  return {
    address: addressLimits({ perAddress, failures }),
    async person(contact) {
      // Both identifiers count, so neither a new number with the same address nor the reverse resets it.
      if (contact.phone) await perPerson.consume(personKey('phone', contact.phone));
      if (contact.email) await perPerson.consume(personKey('email', contact.email.toLowerCase()));
    },
  };
}
