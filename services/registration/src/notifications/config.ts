import { hostname } from 'node:os';
import { z } from 'zod';

const integer = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/**
 * The notification settings of the registration service (issue 17). Without SMTP_URL no e-mail is
 * sent and without VAPID keys no push: the notifications wait in the queue (and the readiness
 * stays green), so a cluster can be configured after the fact.
 */
export const notificationConfigShape = {
  /** `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465`. From the Secret `kathelfer-smtp`. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  /** RFC 5322 From, e.g. `Kathelfer Landkreis Ahrweiler <helfen@kreis-ahrweiler.de>`. */
  MAIL_FROM: z.string().min(3).default('Kathelfer <kathelfer@localhost>'),
  /** Parallel SMTP connections per replica (nodemailer's pool). */
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().positive().default(5),
  /** VAPID (RFC 8292) key pair, base64url, from `npx web-push generate-vapid-keys`; from the Secret `kathelfer-vapid`. */
  VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{86,88}$/, 'a base64url P-256 public key (87 characters)').optional(),
  VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{42,44}$/, 'a base64url P-256 private key (43 characters)').optional(),
  /** The VAPID `sub` claim: a `mailto:` or `https:` contact of the operator (RFC 8292 section 2.1). */
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:)/, 'a mailto: or https: URI').default('mailto:kathelfer@localhost'),
  /** Where helpers open the pages, for links in messages. Unset: PUBLIC_REGISTRATION_URL. */
  PUBLIC_WEB_URL: z.url().optional(),
  /** How long before an accepted shift the reminder goes out. */
  NOTIFY_REMINDER_LEAD_MINUTES: integer(12 * 60),
  /** At most this many proposal, withdrawal and change notifications per helper per hour; more are suppressed (a re-plan storm). */
  NOTIFY_MAX_PER_HOUR: integer(6),
  /** Attempts on temporary errors before a notification is dead-lettered; waits grow from 2 s, doubling, up to 10 minutes. */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().positive().default(8),
  /** Days the delivery log (no bodies) keeps its rows; applied by the retention command. */
  NOTIFY_LOG_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  /**
   * How often each replica looks for due notifications, besides being woken by new ones (ms). At most
   * 2 ** 31 - 1: the worker's setTimeout would fire after 1 ms above that.
   */
  NOTIFY_POLL_MS: z.coerce.number().int().positive().max(2 ** 31 - 1).default(1_000),
  /** Notifications one replica claims at once. */
  NOTIFY_BATCH_SIZE: z.coerce.number().int().positive().default(200),
  /** Batches one replica sends at once: while one is being recorded and the next claimed, another keeps the SMTP pool busy. */
  NOTIFY_BATCHES_IN_FLIGHT: z.coerce.number().int().positive().max(16).default(2),
  /** This replica's name in the consumer group `notifications`; pod names are unique, which is what it needs. */
  CONSUMER_NAME: z.string().min(1).default(hostname()),
  /** The IANA time zone messages give times in (where the incidents are). */
  NOTIFY_TIME_ZONE: z.string().default('Europe/Berlin'),
  /**
   * Key for the accept links in proposal messages (HMAC-SHA256, shared with the matching service,
   * which checks them). At least 32 characters; unset: proposal messages link to the self-service
   * page, where the helper's own link is needed.
   */
  ACTION_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
};
