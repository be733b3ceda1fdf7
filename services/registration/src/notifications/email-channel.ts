import nodemailer from 'nodemailer';
import type { NotificationChannel, Recipient } from './channel.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from './channel.js';
import type { RenderedNotification } from './templates.js';

/**
 * E-mail over SMTP with nodemailer (well kept, the de-facto Node.js mailer: pooling, STARTTLS,
 * RFC 2047/5322 encoding, multipart/alternative) instead of our own SMTP client. A pooled transport
 * keeps `maxConnections` connections open, so a planning round's thousands of mails do not each
 * pay a TCP and SMTP handshake.
 */
export function emailChannel(options: { url: string | undefined; from: string; maxConnections: number }): NotificationChannel {
  const transport =
    options.url === undefined
      ? undefined
      : nodemailer.createTransport({ url: options.url, pool: true, maxConnections: options.maxConnections, maxMessages: Infinity } as never);
  return {
    name: 'email',
    configured: transport !== undefined,
    async send(message: RenderedNotification, recipient: Recipient) {
      if (transport === undefined || recipient.channel !== 'email') throw new PermanentDeliveryError('email-unconfigured', 'no SMTP_URL');
      try {
        await transport.sendMail({ from: options.from, to: recipient.address, subject: message.subject, text: message.text, html: message.html });
      } catch (error) {
        throw classifySmtpError(error);
      }
    },
    close() {
      transport?.close();
      return Promise.resolve();
    },
  };
}

/**
 * SMTP reply codes: 4xx is transient, 5xx permanent (RFC 5321 section 4.2.1). Errors without a
 * code (connection refused, timeout, TLS) are transient: the server may be back soon.
 */
export function classifySmtpError(error: unknown): TemporaryDeliveryError | PermanentDeliveryError {
  const code = (error as { responseCode?: number }).responseCode;
  const text = error instanceof Error ? error.message : String(error);
  if (typeof code === 'number' && code >= 500) return new PermanentDeliveryError(`smtp-${code}`, text);
  if (typeof code === 'number') return new TemporaryDeliveryError(`smtp-${code}`, text);
  const errno = (error as { code?: string }).code;
  return new TemporaryDeliveryError(`smtp-${typeof errno === 'string' ? errno.toLowerCase() : 'connection'}`, text);
}
