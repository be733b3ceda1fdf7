/**
 * The notification texts, German and English, as a pure module: kind + language + data → subject,
 * text part, HTML part and the short Web Push form. Plain words, one message one purpose. The HTML
 * is a complete document (language, title, one heading, a landmark) so screen readers read it
 * right; test/notification-templates.test.ts runs axe-core over it in Chromium.
 */

import type { TaskBrief } from '@kathelfer/contracts';
import type { Locale } from '@kathelfer/contracts/api/registration';

export type { Locale, TaskBrief };

export const notificationKinds = ['registration-confirmed', 'proposal', 'withdrawn', 'task-changed', 'reminder', 'incident-ended'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface ShiftData {
  /** What a task message says of the task: the task service's `brief` on its events. */
  task: TaskBrief | null;
  shiftStart: string;
  shiftEnd: string;
}

export type NotificationData =
  | { kind: 'registration-confirmed'; selfServiceUrl: string }
  | ({ kind: 'proposal'; expiresAt: string; acceptUrl: string; selfServiceUrl: string } & ShiftData)
  | ({ kind: 'withdrawn'; reason: string; selfServiceUrl: string } & ShiftData)
  | ({ kind: 'task-changed'; selfServiceUrl: string } & ShiftData)
  | ({ kind: 'reminder'; selfServiceUrl: string } & ShiftData)
  | { kind: 'incident-ended'; incidentId: string; retentionDays: number; selfServiceUrl: string };

export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
  /** The Web Push form: what the service worker shows (title, body) and opens on a click (url). */
  push: { title: string; body: string; url: string };
}

/** Texts shown on a page and in the mail; `{…}` are filled in. */
const words = {
  de: {
    greeting: 'Hallo,',
    signature: 'Ihr Koordinierungsteam',
    confirmedSubject: 'Ihre Anmeldung als Helferin oder Helfer',
    confirmedLead: 'danke, dass Sie helfen wollen. Ihre Anmeldung ist eingegangen.',
    confirmedLink: 'Ihr persönlicher Link: Dort sehen Sie Vorschläge für Einsätze, sagen zu oder ab und ändern oder löschen Ihre Daten.',
    confirmedKeep: 'Heben Sie diese E-Mail auf. Geben Sie den Link nicht weiter: Wer ihn hat, kann Ihre Daten ändern.',
    openLink: 'Meine Seite öffnen',
    proposalSubject: 'Einsatzvorschlag: {title}',
    proposalLead: 'wir würden Sie gern einsetzen. Bitte sagen Sie zu oder ab.',
    what: 'Was',
    where: 'Wo',
    meet: 'Treffpunkt',
    when: 'Wann',
    bring: 'Bitte mitbringen',
    answerBy: 'Antwort bis',
    accept: 'Einsatz ansehen und zusagen',
    nothing: 'nichts Besonderes',
    withdrawnSubject: 'Einsatz entfällt: {title}',
    withdrawnLead: 'der folgende Einsatz findet für Sie nicht statt. Sie müssen nichts tun.',
    reasons: {
      'task-cancelled': 'Der Auftrag wurde abgesagt.',
      'headcount-lowered': 'Es werden weniger Helfende gebraucht.',
      'no-longer-feasible': 'Die Planung hat sich geändert.',
      coordinator: 'Die Koordination hat den Einsatz zurückgenommen.',
    } as Record<string, string>,
    changedSubject: 'Einsatz geändert: {title}',
    changedLead: 'bei Ihrem Einsatz hat sich etwas geändert. So sieht er jetzt aus:',
    reminderSubject: 'Erinnerung: {title} beginnt {start}',
    reminderLead: 'Sie haben zugesagt. Wir erinnern Sie an Ihren Einsatz:',
    endedSubject: 'Der Einsatz {incident} ist beendet – danke!',
    endedLead: 'der Einsatz {incident} ist beendet. Danke für Ihre Hilfe!',
    endedData: 'Ihre Daten werden {days} Tage nach dem Ende gelöscht, wenn Sie nicht für einen weiteren Einsatz angemeldet sind. Sie können sie schon jetzt auf Ihrer Seite löschen.',
    task: 'Einsatz',
  },
  en: {
    greeting: 'Hello,',
    signature: 'Your coordination team',
    confirmedSubject: 'Your registration as a volunteer',
    confirmedLead: 'thank you for offering to help. We have received your registration.',
    confirmedLink: 'Your personal link: there you see proposed shifts, accept or decline them, and change or delete your data.',
    confirmedKeep: 'Keep this e-mail. Do not share the link: whoever has it can change your data.',
    openLink: 'Open my page',
    proposalSubject: 'Shift proposal: {title}',
    proposalLead: 'we would like you to help. Please accept or decline.',
    what: 'What',
    where: 'Where',
    meet: 'Meeting point',
    when: 'When',
    bring: 'Please bring',
    answerBy: 'Answer by',
    accept: 'See the shift and accept',
    nothing: 'nothing in particular',
    withdrawnSubject: 'Shift called off: {title}',
    withdrawnLead: 'the following shift will not take place for you. You need not do anything.',
    reasons: {
      'task-cancelled': 'The task was cancelled.',
      'headcount-lowered': 'Fewer volunteers are needed.',
      'no-longer-feasible': 'The plan has changed.',
      coordinator: 'The coordinators withdrew the shift.',
    } as Record<string, string>,
    changedSubject: 'Shift changed: {title}',
    changedLead: 'something changed about your shift. This is how it looks now:',
    reminderSubject: 'Reminder: {title} starts {start}',
    reminderLead: 'You accepted this shift. A reminder:',
    endedSubject: 'The incident {incident} has ended – thank you!',
    endedLead: 'the incident {incident} has ended. Thank you for your help!',
    endedData: 'Your data is deleted {days} days after the end unless you are registered for another incident. You can delete it now on your page.',
    task: 'Shift',
  },
} as const;

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

// Building an Intl.DateTimeFormat costs far more than formatting with one: a planning round
// renders thousands of messages, so each (locale, style, zone) is built once.
const formats = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, timeZone: string, dateStyle: 'full' | undefined): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${dateStyle ?? ''}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { dateStyle, timeStyle: 'short', timeZone });
    formats.set(key, format);
  }
  return format;
}

/** `Samstag, 28. November 2026, 08:00` in `timeZone`. */
export function formatTime(iso: string, locale: Locale, timeZone: string): string {
  return formatter(locale, timeZone, 'full').format(new Date(iso));
}

function span(start: string, end: string, locale: Locale, timeZone: string): string {
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  const endText = sameDay
    ? formatter(locale, timeZone, undefined).format(new Date(end))
    : formatTime(end, locale, timeZone);
  return `${formatTime(start, locale, timeZone)} – ${endText}${locale === 'de' ? ' Uhr' : ''}`;
}

function address(task: TaskBrief): string {
  const a = task.site.address;
  const street = a.street ?? '';
  const town = [a.postalCode, a.city].filter((p) => p !== null && p !== '').join(' ');
  return [task.site.name, street, town].filter((p) => p !== '').join(', ');
}

interface Body {
  subject: string;
  lead: string;
  /** Label/value rows, shown as a definition list. */
  facts: Array<[string, string]>;
  notes: string[];
  link: { text: string; url: string };
}

function shiftFacts(data: ShiftData, w: (typeof words)[Locale], locale: Locale, timeZone: string): Array<[string, string]> {
  const facts: Array<[string, string]> = [];
  if (data.task !== null) facts.push([w.what, data.task.title], [w.where, address(data.task)]);
  if (data.task !== null && data.task.site.meetingPoint !== '') facts.push([w.meet, data.task.site.meetingPoint]);
  facts.push([w.when, span(data.shiftStart, data.shiftEnd, locale, timeZone)]);
  if (data.task !== null) facts.push([w.bring, data.task.bring.length === 0 ? w.nothing : data.task.bring.join(', ')]);
  return facts;
}

function bodyOf(data: NotificationData, locale: Locale, timeZone: string): Body {
  const w = words[locale];
  const title = 'task' in data ? (data.task?.title ?? w.task) : '';
  switch (data.kind) {
    case 'registration-confirmed':
      return { subject: w.confirmedSubject, lead: w.confirmedLead, facts: [], notes: [w.confirmedLink, w.confirmedKeep], link: { text: w.openLink, url: data.selfServiceUrl } };
    case 'proposal':
      return {
        subject: fill(w.proposalSubject, { title }),
        lead: w.proposalLead,
        facts: [...shiftFacts(data, w, locale, timeZone), [w.answerBy, formatTime(data.expiresAt, locale, timeZone)]],
        notes: [],
        link: { text: w.accept, url: data.acceptUrl },
      };
    case 'withdrawn':
      return {
        subject: fill(w.withdrawnSubject, { title }),
        lead: w.withdrawnLead,
        facts: shiftFacts(data, w, locale, timeZone),
        notes: w.reasons[data.reason] === undefined ? [] : [w.reasons[data.reason] ?? ''],
        link: { text: w.openLink, url: data.selfServiceUrl },
      };
    case 'task-changed':
      return { subject: fill(w.changedSubject, { title }), lead: w.changedLead, facts: shiftFacts(data, w, locale, timeZone), notes: [], link: { text: w.openLink, url: data.selfServiceUrl } };
    case 'reminder':
      return {
        subject: fill(w.reminderSubject, { title, start: formatTime(data.shiftStart, locale, timeZone) }),
        lead: w.reminderLead,
        facts: shiftFacts(data, w, locale, timeZone),
        notes: [],
        link: { text: w.openLink, url: data.selfServiceUrl },
      };
    case 'incident-ended':
      return {
        subject: fill(w.endedSubject, { incident: data.incidentId }),
        lead: fill(w.endedLead, { incident: data.incidentId }),
        facts: [],
        notes: [fill(w.endedData, { days: String(data.retentionDays) })],
        link: { text: w.openLink, url: data.selfServiceUrl },
      };
  }
}

/** Renders one notification; pure. `timeZone` is where the incident is (IANA name). */
export function renderNotification(data: NotificationData, locale: Locale, timeZone = 'Europe/Berlin'): RenderedNotification {
  const w = words[locale];
  const body = bodyOf(data, locale, timeZone);
  const text = [
    w.greeting,
    '',
    body.lead,
    '',
    ...body.facts.map(([label, value]) => `${label}: ${value}`),
    ...(body.facts.length > 0 ? [''] : []),
    ...body.notes.flatMap((n) => [n, '']),
    `${body.link.text}:`,
    body.link.url,
    '',
    w.signature,
    '',
  ].join('\n');
  const facts =
    body.facts.length === 0
      ? ''
      : `<dl>${body.facts.map(([label, value]) => `<dt style="font-weight:bold;margin-top:0.5em">${escape(label)}</dt><dd style="margin:0">${escape(value)}</dd>`).join('')}</dl>`;
  const html = `<!DOCTYPE html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(body.subject)}</title></head>
<body style="margin:0;padding:0;background:#ffffff;color:#1a1a1a;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">
<main style="max-width:36em;margin:0 auto;padding:1em">
<h1 style="font-size:1.25em">${escape(body.subject)}</h1>
<p>${escape(w.greeting)}</p>
<p>${escape(body.lead)}</p>
${facts}
${body.notes.map((n) => `<p>${escape(n)}</p>`).join('\n')}
<p><a href="${escape(body.link.url)}" style="display:inline-block;padding:0.6em 1em;background:#0b4f8a;color:#ffffff;text-decoration:underline;border-radius:4px">${escape(body.link.text)}</a></p>
<p>${escape(w.signature)}</p>
</main>
</body>
</html>
`;
  const pushBody = [body.lead, ...body.facts.filter(([label]) => label === w.when || label === w.where).map(([, v]) => v)].join(' · ');
  return { subject: body.subject, text, html, push: { title: body.subject, body: pushBody.slice(0, 300), url: body.link.url } };
}
