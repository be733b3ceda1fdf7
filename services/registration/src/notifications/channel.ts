/**
 * The adapter every notification channel implements: e-mail (email-channel.ts) and Web Push
 * (push-channel.ts) are the two implementations. A further channel — an authority's SMS gateway —
 * implements the same interface: a consent purpose (`notify-sms`), its recipient in `recipientsOf`
 * (the helper's `phoneE164`), `send` calling the gateway, and the error classes below for what the
 * gateway answers (a throttle or 5xx: TemporaryDeliveryError; an unknown number: RecipientGone).
 * The queue (queue.ts) does the rest: once per event, retries, dead letters, the ceiling.
 */
import type { RenderedNotification } from './templates.js';

export type ChannelName = 'email' | 'push';

/** Where one helper is reached on a channel; read from this service's tables only when sending. */
export type Recipient = { channel: 'email'; address: string } | { channel: 'push'; subscriptionId: string; endpoint: string; keys: { p256dh: string; auth: string } };

export interface NotificationChannel {
  readonly name: ChannelName;
  /** Whether it is configured (SMTP_URL, VAPID keys); an unconfigured channel leaves its notifications queued. */
  readonly configured: boolean;
  /** Delivers one message to one recipient; resolves when the server accepted it. Throws the errors below. */
  send(message: RenderedNotification, recipient: Recipient): Promise<void>;
  close(): Promise<void>;
}

/** Worth trying again later (SMTP 4xx, connection errors, push 429/5xx). `code` goes to the delivery log. */
export class TemporaryDeliveryError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'TemporaryDeliveryError';
  }
}

/** Never going to work (SMTP 5xx, push 400/413): the notification is dead-lettered. */
export class PermanentDeliveryError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** The recipient no longer exists (push 404/410, RFC 8030 section 7.3): its subscription is removed. */
export class RecipientGoneError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RecipientGoneError';
  }
}
