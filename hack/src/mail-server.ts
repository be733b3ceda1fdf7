/**
 * A real SMTP server on loopback that keeps every mail and shows it — the local stand-in for an
 * authority's mail relay, for `npm start`, the tests and bench:notifications. Built on nodemailer's
 * `smtp-server` (the SMTP protocol) and `mailparser` (MIME), not our own parsing. Mails are kept in
 * memory (and, with `dir`, written there as .eml) and parsed only when read.
 *
 *   GET /                      a page listing the mails, newest first, with links
 *   GET /messages              JSON: [{ id, from, to, subject, date, acceptedAt }]
 *   GET /envelopes             JSON: [{ id, to, acceptedAt }] without parsing (cheap, for benchmarks)
 *   GET /messages/:id          JSON: headers, text, html
 *   GET /messages/:id/html     the HTML part as a page
 *   GET /messages/:id/raw      the mail as received (message/rfc822)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface StoredMail {
  id: number;
  /** When the server accepted the message (after its final `.`), ms since the epoch. */
  acceptedAt: number;
  envelope: { from: string; to: string[] };
  raw: Buffer;
}

export interface ReadMail {
  id: number;
  acceptedAt: number;
  envelope: { from: string; to: string[] };
  subject: string;
  from: string;
  to: string;
  date: string;
  headers: Record<string, string>;
  text: string;
  html: string;
  /** The Content-Type of the whole message (multipart/alternative with a text and an HTML part). */
  contentType: string;
}

export interface MailServer {
  smtpPort: number;
  /** `smtp://127.0.0.1:<port>` for SMTP_URL. */
  smtpUrl: string;
  /** The web view, `http://127.0.0.1:<port>`. */
  webUrl: string;
  /** Every mail so far, in the order accepted. */
  mails(): readonly StoredMail[];
  read(mail: StoredMail): Promise<ReadMail>;
  /** Resolves with the first mail (already there or arriving) whose parsed form matches, or rejects after `timeoutMs`. */
  waitFor(match: (mail: ReadMail) => boolean, timeoutMs?: number): Promise<ReadMail>;
  /** Resolves once `count` mails have been accepted in all. */
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  /** Makes the next `times` messages fail with `code` (451: temporary, 550: permanent), for the retry tests. */
  failNext(times: number, code: 451 | 550): void;
  close(): Promise<void>;
}

function flatHeaders(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of parsed.headerLines) out[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
  return out;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** Starts the server on 127.0.0.1 (ports 0: free ones). */
export async function startMailServer(options: { smtpPort?: number; webPort?: number; dir?: string } = {}): Promise<MailServer> {
  const stored: StoredMail[] = [];
  const parsedCache = new Map<number, Promise<ReadMail>>();
  const listeners = new Set<() => void>();
  let failures: { times: number; code: number } = { times: 0, code: 451 };
  if (options.dir !== undefined) mkdirSync(options.dir, { recursive: true });

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures.times > 0) {
          failures.times -= 1;
          const error = Object.assign(new Error(failures.code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: failures.code });
          callback(error);
          return;
        }
        const mail: StoredMail = {
          id: stored.length + 1,
          acceptedAt: Date.now(),
          envelope: {
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw: Buffer.concat(chunks),
        };
        stored.push(mail);
        if (options.dir !== undefined) writeFileSync(join(options.dir, `${String(mail.id).padStart(6, '0')}.eml`), mail.raw);
        callback();
        for (const listener of [...listeners]) listener();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, '127.0.0.1', () => resolve());
  });
  const smtpPort = ((smtp as unknown as { server: Server }).server.address() as AddressInfo).port;

  const read = (mail: StoredMail): Promise<ReadMail> => {
    let parsed = parsedCache.get(mail.id);
    if (parsed === undefined) {
      parsed = simpleParser(mail.raw).then((p) => ({
        id: mail.id,
        acceptedAt: mail.acceptedAt,
        envelope: mail.envelope,
        subject: p.subject ?? '',
        from: p.from?.text ?? '',
        to: Array.isArray(p.to) ? p.to.map((a) => a.text).join(', ') : (p.to?.text ?? ''),
        date: p.date?.toISOString() ?? '',
        headers: flatHeaders(p),
        text: p.text ?? '',
        html: typeof p.html === 'string' ? p.html : '',
        contentType: p.headers.get('content-type') === undefined ? '' : String((p.headers.get('content-type') as { value?: string }).value ?? ''),
      }));
      parsedCache.set(mail.id, parsed);
    }
    return parsed;
  };

  const web = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/messages(?:\/(\d+)(?:\/(html|raw))?)?$/.exec(url.pathname);
      if (url.pathname === '/') {
        const rows = await Promise.all([...stored].reverse().slice(0, 500).map(read));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Kathelfer local mail</title></head><body><main><h1>Mails (${stored.length})</h1><ul>${rows
          .map((m) => `<li><a href="/messages/${m.id}/html">${escapeHtml(m.subject)}</a> to ${escapeHtml(m.to)}, ${escapeHtml(new Date(m.acceptedAt).toISOString())} (<a href="/messages/${m.id}/raw">raw</a>)</li>`)
          .join('')}</ul></main></body></html>`);
        return;
      }
      if (url.pathname === '/envelopes') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(stored.map((m) => ({ id: m.id, to: m.envelope.to, acceptedAt: m.acceptedAt }))));
        return;
      }
      if (match === null) {
        res.writeHead(404).end();
        return;
      }
      if (match[1] === undefined) {
        const list = await Promise.all(stored.map(read));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(list.map((m) => ({ id: m.id, from: m.from, to: m.to, subject: m.subject, date: m.date, acceptedAt: new Date(m.acceptedAt).toISOString() }))));
        return;
      }
      const mail = stored[Number(match[1]) - 1];
      if (mail === undefined) {
        res.writeHead(404).end();
        return;
      }
      if (match[2] === 'raw') {
        res.writeHead(200, { 'content-type': 'message/rfc822' });
        res.end(mail.raw);
        return;
      }
      const parsed = await read(mail);
      if (match[2] === 'html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(parsed.html);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(parsed));
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => web.listen(options.webPort ?? 0, '127.0.0.1', () => resolve()));
  const webPort = (web.address() as AddressInfo).port;

  const waitUntil = <T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let busy = false;
      let again = false;
      const timer = setTimeout(() => {
        listeners.delete(attempt);
        reject(new Error(`no ${what} within ${timeoutMs} ms (${stored.length} mails received)`));
      }, timeoutMs);
      const attempt = () => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        void check().then(
          (found) => {
            busy = false;
            if (found !== undefined) {
              clearTimeout(timer);
              listeners.delete(attempt);
              resolve(found);
            } else if (again) {
              again = false;
              attempt();
            }
          },
          (error: unknown) => {
            clearTimeout(timer);
            listeners.delete(attempt);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      };
      listeners.add(attempt);
      attempt();
    });

  return {
    smtpPort,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    webUrl: `http://127.0.0.1:${webPort}`,
    mails: () => stored,
    read,
    waitFor(match, timeoutMs = 60_000) {
      return waitUntil(async () => {
        for (const mail of [...stored]) {
          const parsed = await read(mail);
          if (match(parsed)) return parsed;
        }
        return undefined;
      }, timeoutMs, 'matching mail');
    },
    waitForCount(count, timeoutMs = 60_000) {
      return waitUntil(() => Promise.resolve(stored.length >= count ? true : undefined), timeoutMs, `${count} mails`).then(() => undefined);
    },
    failNext(times, code) {
      failures = { times, code };
    },
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}
