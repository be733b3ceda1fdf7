/**
 * The registration service's event contract on the `registration` stream, for consumers to
 * validate against (consumeEvents' `schemas`). Only what matching needs: no name, no contact.
 */
import { z } from 'zod';
import { helperProfile } from './schemas.js';

export { eventStream } from './profile.js';

export const registrationEvents = {
  'helper.registered': helperProfile,
  'helper.updated': helperProfile,
  'helper.erased': z.object({ helperId: z.uuid() }),
} as const;

export type RegistrationEventType = keyof typeof registrationEvents;
