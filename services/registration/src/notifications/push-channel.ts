import webpush from 'web-push';
import type { NotificationChannel, Recipient } from './channel.js';
import { PermanentDeliveryError, RecipientGoneError, TemporaryDeliveryError } from './channel.js';
import type { RenderedNotification } from './templates.js';

/**
 * Web Push with the `web-push` library: RFC 8291 message encryption (aes128gcm) and RFC 8292 VAPID,
 * which we would not implement ourselves, build the request (`generateRequestDetails`); fetch
 * POSTs it (RFC 8030 section 5). web-push's own sender speaks https only, which the loopback push
 * service of the tests cannot offer without a certificate authority of its own; endpoints are
 * https in production anyway (the subscription schema allows http only on loopback). The payload
 * is the message's short push form as JSON: the service worker (web/src/sw.ts) shows it.
 */
export function pushChannel(options: { publicKey: string | undefined; privateKey: string | undefined; subject: string; ttlSeconds?: number }): NotificationChannel {
  const configured = options.publicKey !== undefined && options.privateKey !== undefined;
  const vapid = configured ? { subject: options.subject, publicKey: options.publicKey ?? '', privateKey: options.privateKey ?? '' } : undefined;
  return {
    name: 'push',
    configured,
    async send(message: RenderedNotification, recipient: Recipient) {
      if (vapid === undefined || recipient.channel !== 'push') throw new PermanentDeliveryError('push-unconfigured', 'no VAPID keys');
      const request = webpush.generateRequestDetails({ endpoint: recipient.endpoint, keys: recipient.keys }, JSON.stringify(message.push), {
        vapidDetails: vapid,
        TTL: options.ttlSeconds ?? 24 * 3600,
        contentEncoding: 'aes128gcm',
        urgency: 'high',
      });
      let status: number;
      try {
        const response = await fetch(request.endpoint, {
          method: 'POST',
          headers: request.headers as Record<string, string>,
          body: request.body === null ? undefined : new Uint8Array(request.body),
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        await response.body?.cancel();
      } catch (error) {
        throw classifyPushError(error);
      }
      if (status < 200 || status >= 300) throw classifyPushError(Object.assign(new Error(`push service answered ${status}`), { statusCode: status }));
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Push service answers (RFC 8030 section 5, 7.3): 404/410 the subscription is gone; 429 and 5xx
 * are worth a retry; other 4xx (400, 401/403 a VAPID problem, 413 too large) will not get better.
 */
export function classifyPushError(error: unknown): RecipientGoneError | TemporaryDeliveryError | PermanentDeliveryError {
  const status = (error as { statusCode?: number }).statusCode;
  const text = error instanceof Error ? error.message : String(error);
  if (status === 404 || status === 410) return new RecipientGoneError(`push-${status}`, text);
  if (status === undefined || status === 429 || status >= 500) return new TemporaryDeliveryError(`push-${status ?? 'connection'}`, text);
  return new PermanentDeliveryError(`push-${status}`, text);
}
