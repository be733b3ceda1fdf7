import { actionKey } from '@kathelfer/common/action-link';
import type { Logger } from '@kathelfer/common/logger';
import { gaugeFromCallback, type Metrics } from '@kathelfer/common/metrics';
import { Counter, Histogram } from 'prom-client';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { ChannelName, NotificationChannel, Recipient } from './channel.js';
import { PermanentDeliveryError, RecipientGoneError, TemporaryDeliveryError } from './channel.js';
import { renderNotification, type Locale, type NotificationData, type NotificationKind, type TaskBrief } from './templates.js';

/** Consent purposes that opt into a channel (consent text 2026-02). */
export const channelPurposes: Record<ChannelName, string> = { email: 'notify-email', push: 'notify-push' };

/** Kinds a re-plan storm can multiply; the per-helper ceiling applies to them only. */
const ceilingKinds: readonly NotificationKind[] = ['proposal', 'withdrawn', 'task-changed'];

/** One notification to queue: for `helperId`, from the event or change `sourceId`. */
export interface NotificationRequest {
  sourceId: string;
  helperId: string;
  kind: NotificationKind;
  /** What the message needs besides the helper and task: ids and times, never contact details. */
  data: Record<string, unknown>;
  dueAt?: Date;
}

interface ClaimedRow {
  id: string;
  helper_id: string;
  channel: ChannelName;
  kind: NotificationKind;
  data: Record<string, unknown> & { pushDone?: string[] };
  attempts: number;
  created_at: Date;
}

export interface NotificationQueueOptions {
  sequelize: Sequelize;
  schema: string;
  logger: Logger;
  channels: NotificationChannel[];
  /** Where helpers open the pages (`…/me.html`); links in messages start here. */
  webUrl: string | undefined;
  actionLinkSecret: string | undefined;
  maxPerHour: number;
  maxAttempts: number;
  pollMs: number;
  batchSize: number;
  /** Batches one replica sends at once (NOTIFY_BATCHES_IN_FLIGHT). @default 1 */
  batchesInFlight?: number;
  retentionDays: number;
  timeZone?: string;
}

/** Backoff before attempt `attempt + 1`: 2 s doubling, at most 10 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempt - 1), 10 * 60_000);
}

/**
 * The notification queue and delivery log (table `notifications`) and the worker that sends from
 * it. Enqueueing happens inside the caller's transaction (the registration, the consumed event),
 * so a notification exists exactly when its cause committed; the unique key (source, helper,
 * channel) drops repeats. Any replica's worker sends: rows are claimed with SKIP LOCKED and a lease,
 * so each is sent by one replica, and one whose replica died is taken over when the lease ends.
 * A crash between the SMTP server's acceptance and marking the row sent sends that one mail again
 * (at-least-once at the SMTP boundary; no protocol lets a client make that atomic).
 */
export class NotificationQueue {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly sent = new Counter({ name: 'notifications_sent_total', help: 'Notifications delivered, by channel and kind', labelNames: ['channel', 'kind'] as const, registers: [] });
  private readonly deadLettered = new Counter({
    name: 'notifications_dead_letter_total',
    help: 'Notifications given up on (permanent error or out of attempts), by channel and kind',
    labelNames: ['channel', 'kind', 'code'] as const,
    registers: [],
  });
  private readonly retried = new Counter({ name: 'notifications_retries_total', help: 'Temporary delivery errors that were retried later', labelNames: ['channel', 'code'] as const, registers: [] });
  private readonly suppressed = new Counter({ name: 'notifications_suppressed_total', help: 'Notifications over the per-helper ceiling, not sent', labelNames: ['kind'] as const, registers: [] });
  private readonly goneSubscriptions = new Counter({ name: 'push_subscriptions_removed_total', help: 'Push subscriptions the push service answered 404/410 for, removed', registers: [] });
  private readonly latency = new Histogram({
    name: 'notification_delivery_seconds',
    help: 'From queueing (or the due time) to the server accepting the message',
    labelNames: ['channel'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [],
  });
  private readonly channels: Map<ChannelName, NotificationChannel>;

  constructor(private readonly options: NotificationQueueOptions) {
    this.channels = new Map(options.channels.map((c) => [c.name, c]));
  }

  private get s(): string {
    return `"${this.options.schema}"`;
  }

  /**
   * Queues `requests` inside `transaction`, on every channel each helper consented to and can be
   * reached on (an e-mail address; a push subscription). Returns how many rows were queued.
   * Repeats of (source, helper, channel) are dropped. Proposal, withdrawal and change
   * notifications over NOTIFY_MAX_PER_HOUR per helper and channel are recorded as `suppressed`;
   * helpers are locked (advisory, per helper) so the ceiling holds across replicas.
   */
  async enqueue(transaction: Transaction, requests: readonly NotificationRequest[]): Promise<number> {
    if (requests.length === 0) return 0;
    const { sequelize } = this.options;
    const helpers = [...new Set(requests.map((r) => r.helperId))].sort();
    await sequelize.query(`SELECT pg_advisory_xact_lock(hashtext('notify:' || h)) FROM unnest($1::text[]) AS h`, { bind: [helpers], transaction });
    const rows = requests.map((r, i) => ({ ord: i, source_id: r.sourceId, helper_id: r.helperId, kind: r.kind, data: r.data, due_at: (r.dueAt ?? new Date()).toISOString() }));
    const s = this.s;
    const inserted = await sequelize.query<{ status: string; kind: string }>(
      `WITH input AS (
         SELECT i.*, c.channel FROM jsonb_to_recordset($1::jsonb) AS i(ord int, source_id text, helper_id uuid, kind text, data jsonb, due_at timestamptz)
         JOIN ${s}.helpers h ON h.id = i.helper_id AND h.status = 'active'
         CROSS JOIN LATERAL (VALUES ('email'), ('push')) AS c(channel)
         WHERE (c.channel = 'email' AND 'notify-email' = ANY (h.consent_purposes) AND h.email IS NOT NULL)
            OR (c.channel = 'push' AND 'notify-push' = ANY (h.consent_purposes) AND EXISTS (SELECT 1 FROM ${s}.push_subscriptions p WHERE p.helper_id = h.id))
       ), fresh AS (
         SELECT input.* FROM input
          WHERE NOT EXISTS (SELECT 1 FROM ${s}.notifications n WHERE n.source_id = input.source_id AND n.helper_id = input.helper_id AND n.channel = input.channel)
       ), ranked AS (
         SELECT fresh.*,
                CASE WHEN fresh.kind = ANY ($2::text[]) THEN
                  (SELECT count(*) FROM ${s}.notifications n
                    WHERE n.helper_id = fresh.helper_id AND n.channel = fresh.channel AND n.kind = ANY ($2::text[])
                      AND n.status <> 'suppressed' AND n.created_at > now() - interval '1 hour')
                  + count(*) FILTER (WHERE fresh.kind = ANY ($2::text[])) OVER (PARTITION BY fresh.helper_id, fresh.channel ORDER BY fresh.ord)
                ELSE 0 END AS nth
           FROM fresh
       )
       INSERT INTO ${s}.notifications (source_id, helper_id, channel, kind, status, data, due_at)
       SELECT source_id, helper_id, channel, kind, CASE WHEN nth > $3 THEN 'suppressed' ELSE 'queued' END,
              CASE WHEN nth > $3 THEN NULL ELSE data END, due_at
         FROM ranked ORDER BY ord
       ON CONFLICT (source_id, helper_id, channel) DO NOTHING
       RETURNING status, kind`,
      { bind: [JSON.stringify(rows), ceilingKinds, this.options.maxPerHour], type: QueryTypes.SELECT, transaction },
    );
    for (const row of inserted) if (row.status === 'suppressed') this.suppressed.inc({ kind: row.kind });
    return inserted.filter((r) => r.status === 'queued').length;
  }

  /** Claims due notifications (queued and due, or `sending` whose lease ran out) and sends them; returns how many were claimed. */
  async sendDue(): Promise<number> {
    const { sequelize, batchSize } = this.options;
    const s = this.s;
    const configured = [...this.channels.values()].filter((c) => c.configured).map((c) => c.name);
    if (configured.length === 0) return 0;
    const claimed = await sequelize.query<ClaimedRow>(
      `UPDATE ${s}.notifications SET status = 'sending', lease_until = now() + interval '2 minutes', attempts = attempts + 1
        WHERE id IN (SELECT id FROM ${s}.notifications
                      WHERE ((status = 'queued' AND due_at <= now()) OR (status = 'sending' AND lease_until < now()))
                        AND channel = ANY ($2::text[])
                      ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, helper_id, channel, kind, data, attempts, created_at, due_at`,
      { bind: [batchSize, configured], type: QueryTypes.SELECT },
    );
    if (claimed.length === 0) return 0;
    const helperIds = [...new Set(claimed.map((c) => c.helper_id))];
    const taskIds = [...new Set(claimed.flatMap((c) => (typeof c.data.taskId === 'string' ? [c.data.taskId] : [])))];
    // Contact details are read here, for this purpose only, and the read is logged (as a
    // coordinator's is) in the same statement: no read without its log row.
    const contacts = await sequelize.query<{ id: string; email: string | null; locale: Locale }>(
      `WITH read AS (SELECT id, email, locale FROM ${s}.helpers WHERE id = ANY ($1::uuid[]) AND status = 'active'),
            logged AS (INSERT INTO ${s}.contact_access_log (helper_id, subject, roles, reason)
                       SELECT id, 'system:notifications', ARRAY['notifications'], 'notification: ' || $2 FROM read)
       SELECT * FROM read`,
      { bind: [helperIds, [...new Set(claimed.map((c) => `${c.kind}/${c.channel}`))].sort().join(', ')], type: QueryTypes.SELECT },
    );
    const subscriptions = claimed.some((c) => c.channel === 'push')
      ? await sequelize.query<{ id: string; helper_id: string; endpoint: string; p256dh: string; auth: string }>(
          `SELECT id::text, helper_id, endpoint, p256dh, auth FROM ${s}.push_subscriptions WHERE helper_id = ANY ($1::uuid[]) ORDER BY id`,
          { bind: [helperIds], type: QueryTypes.SELECT },
        )
      : [];
    const briefs = taskIds.length === 0 ? [] : await sequelize.query<{ task_id: string; brief: TaskBrief }>(`SELECT task_id, brief FROM ${s}.notification_tasks WHERE task_id = ANY ($1::uuid[])`, { bind: [taskIds], type: QueryTypes.SELECT });
    const contactOf = new Map(contacts.map((c) => [c.id, c]));
    const briefOf = new Map(briefs.map((b) => [b.task_id, b.brief]));

    const outcomes = await Promise.all(
      claimed.map(async (row) => {
        const contact = contactOf.get(row.helper_id);
        if (contact === undefined) return { row, outcome: 'dropped' as const, code: 'helper-gone' };
        const data = this.messageData(row, briefOf);
        const message = renderNotification(data, contact.locale, this.options.timeZone);
        const channel = this.channels.get(row.channel);
        if (channel === undefined) return { row, outcome: 'dropped' as const, code: 'no-channel' };
        const recipients: Recipient[] =
          row.channel === 'email'
            ? contact.email === null
              ? []
              : [{ channel: 'email', address: contact.email }]
            : subscriptions
                .filter((p) => p.helper_id === row.helper_id && !(row.data.pushDone ?? []).includes(p.id))
                .map((p) => ({ channel: 'push', subscriptionId: p.id, endpoint: p.endpoint, keys: { p256dh: p.p256dh, auth: p.auth } }));
        if (recipients.length === 0) return { row, outcome: 'dropped' as const, code: 'no-recipient' };
        const done: string[] = [...(row.data.pushDone ?? [])];
        const gone: string[] = [];
        let failure: TemporaryDeliveryError | PermanentDeliveryError | undefined;
        for (const recipient of recipients) {
          try {
            await channel.send(message, recipient);
            if (recipient.channel === 'push') done.push(recipient.subscriptionId);
          } catch (error) {
            if (error instanceof RecipientGoneError && recipient.channel === 'push') gone.push(recipient.subscriptionId);
            else if (error instanceof TemporaryDeliveryError || error instanceof PermanentDeliveryError) failure ??= error;
            else failure ??= new TemporaryDeliveryError('unexpected', error instanceof Error ? error.message : String(error));
          }
        }
        if (gone.length > 0) await this.removeSubscriptions(gone);
        if (failure === undefined) return done.length > 0 || row.channel === 'email' ? { row, outcome: 'sent' as const, code: null } : { row, outcome: 'dropped' as const, code: 'subscriptions-gone' };
        if (failure instanceof PermanentDeliveryError || row.attempts >= this.options.maxAttempts) return { row, outcome: 'dead' as const, code: failure.code, message: failure.message };
        return { row, outcome: 'retry' as const, code: failure.code, pushDone: done };
      }),
    );
    await this.record(outcomes);
    return claimed.length;
  }

  private messageData(row: ClaimedRow, briefs: Map<string, TaskBrief>): NotificationData {
    const d = row.data as Record<string, string>;
    const base = (this.options.webUrl ?? '').replace(/\/$/, '');
    const selfServiceUrl = `${base}/me.html`;
    const shift = { task: briefs.get(d.taskId ?? '') ?? null, shiftStart: d.shiftStart ?? '', shiftEnd: d.shiftEnd ?? '' };
    switch (row.kind) {
      case 'registration-confirmed':
        return { kind: row.kind, selfServiceUrl: `${selfServiceUrl}#token=${d.token ?? ''}` };
      case 'proposal': {
        const secret = this.options.actionLinkSecret;
        const acceptUrl =
          secret === undefined
            ? selfServiceUrl
            : `${selfServiceUrl}#${new URLSearchParams({ assignment: d.assignmentId ?? '', key: actionKey(secret, d.assignmentId ?? '', row.helper_id) }).toString()}`;
        return { kind: row.kind, ...shift, expiresAt: d.expiresAt ?? d.shiftStart ?? '', acceptUrl, selfServiceUrl };
      }
      case 'withdrawn':
        return { kind: row.kind, ...shift, reason: d.reason ?? '', selfServiceUrl };
      case 'task-changed':
      case 'reminder':
        return { kind: row.kind, ...shift, selfServiceUrl };
      case 'incident-ended':
        return { kind: row.kind, incidentId: d.incidentId ?? '', retentionDays: Number(d.retentionDays ?? 30), selfServiceUrl };
    }
  }

  private async record(outcomes: Array<{ row: ClaimedRow; outcome: 'sent' | 'dropped' | 'dead' | 'retry'; code: string | null; message?: string; pushDone?: string[] }>): Promise<void> {
    const { sequelize, logger } = this.options;
    const s = this.s;
    const final = outcomes.filter((o) => o.outcome !== 'retry');
    if (final.length > 0) {
      // The message is gone out (or given up): its data, the body's ingredients, goes too.
      await sequelize.query(
        `UPDATE ${s}.notifications n SET status = f.status, error = f.code, data = NULL, lease_until = NULL,
                sent_at = CASE WHEN f.status = 'sent' THEN now() END
           FROM jsonb_to_recordset($1::jsonb) AS f(id bigint, status text, code text) WHERE n.id = f.id AND n.status = 'sending'`,
        { bind: [JSON.stringify(final.map((o) => ({ id: o.row.id, status: o.outcome, code: o.code })))] },
      );
    }
    const retries = outcomes.filter((o) => o.outcome === 'retry');
    if (retries.length > 0) {
      await sequelize.query(
        `UPDATE ${s}.notifications n SET status = 'queued', error = f.code, lease_until = NULL, due_at = now() + f.delay_ms * interval '1 millisecond',
                data = CASE WHEN f.push_done IS NULL THEN n.data ELSE jsonb_set(n.data, '{pushDone}', f.push_done) END
           FROM jsonb_to_recordset($1::jsonb) AS f(id bigint, code text, delay_ms bigint, push_done jsonb) WHERE n.id = f.id AND n.status = 'sending'`,
        {
          bind: [
            JSON.stringify(retries.map((o) => ({ id: o.row.id, code: o.code, delay_ms: retryDelayMs(o.row.attempts), push_done: o.row.channel === 'push' ? (o.pushDone ?? []) : null }))),
          ],
        },
      );
    }
    const now = Date.now();
    for (const o of outcomes) {
      if (o.outcome === 'sent') {
        this.sent.inc({ channel: o.row.channel, kind: o.row.kind });
        this.latency.observe({ channel: o.row.channel }, Math.max(0, now - Math.max(new Date(o.row.created_at).getTime(), Date.parse(String((o.row as { due_at?: Date }).due_at ?? o.row.created_at)))) / 1000);
      } else if (o.outcome === 'retry') {
        this.retried.inc({ channel: o.row.channel, code: o.code ?? 'unknown' });
      } else if (o.outcome === 'dead') {
        this.deadLettered.inc({ channel: o.row.channel, kind: o.row.kind, code: o.code ?? 'unknown' });
        // The server's text may quote the address: it goes to the log line, never to the table.
        logger.error({ notificationId: o.row.id, channel: o.row.channel, kind: o.row.kind, code: o.code, attempts: o.row.attempts, reason: o.message }, 'notification dead-lettered');
      } else {
        logger.info({ notificationId: o.row.id, channel: o.row.channel, kind: o.row.kind, code: o.code }, 'notification dropped: no recipient left');
      }
    }
  }

  private async removeSubscriptions(ids: string[]): Promise<void> {
    await this.options.sequelize.query(`DELETE FROM ${this.s}.push_subscriptions WHERE id = ANY ($1::bigint[])`, { bind: [ids] });
    this.goneSubscriptions.inc(ids.length);
    this.options.logger.info({ subscriptions: ids.length }, 'push subscriptions the push service no longer knows were removed');
  }

  /**
   * Runs the worker until stop(): `batchesInFlight` loops, each claiming a batch and sending it, so
   * that the SMTP pool is not idle while one batch is recorded and the next claimed (SKIP LOCKED
   * keeps them apart as it keeps replicas apart). kick() after queueing sends at once instead of at
   * the next poll.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loops = Array.from({ length: Math.max(1, this.options.batchesInFlight ?? 1) }, () => this.run());
    this.loop = Promise.all(loops).then(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.sendDue();
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) this.options.logger.warn({ err: error, failures }, 'notification worker failed; will retry');
      }
      if (claimed > 0 && failures === 0) continue;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.options.pollMs);
        this.wakers.add(wake);
      });
    }
  }

  kick(): void {
    for (const wake of [...this.wakers]) wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.all([...this.channels.values()].map((c) => c.close()));
  }

  /**
   * Erasure (inside the erasure's transaction): the helper's push subscriptions and queued
   * notifications are deleted, and the delivery log's rows lose who they were for.
   */
  async erase(transaction: Transaction, helperId: string): Promise<void> {
    const s = this.s;
    const statements = [
      `DELETE FROM ${s}.push_subscriptions WHERE helper_id = $1`,
      `DELETE FROM ${s}.notifications WHERE helper_id = $1 AND status IN ('queued', 'sending')`,
      `UPDATE ${s}.notifications SET helper_id = NULL, data = NULL, error = NULL WHERE helper_id = $1`,
      `DELETE FROM ${s}.notification_assignments WHERE helper_id = $1`,
    ];
    for (const sql of statements) await this.options.sequelize.query(sql, { bind: [helperId], transaction });
  }

  /** A channel's consent was withdrawn: what is queued on it for the helper is deleted (and push subscriptions with push). */
  async withdrawChannel(transaction: Transaction, helperId: string, channel: ChannelName): Promise<void> {
    const s = this.s;
    // Also one being sent right now: its worker then finds no row to mark (its UPDATE matches none).
    await this.options.sequelize.query(`DELETE FROM ${s}.notifications WHERE helper_id = $1 AND channel = $2 AND status IN ('queued', 'sending')`, { bind: [helperId, channel], transaction });
    if (channel === 'push') await this.options.sequelize.query(`DELETE FROM ${s}.push_subscriptions WHERE helper_id = $1`, { bind: [helperId], transaction });
  }

  /** The delivery log's own retention: finished rows older than NOTIFY_LOG_RETENTION_DAYS go. Returns how many. */
  async applyRetention(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 24 * 3600 * 1000);
    const [, result] = (await this.options.sequelize.query(`DELETE FROM ${this.s}.notifications WHERE status IN ('sent', 'dead', 'suppressed', 'dropped') AND created_at < $1`, {
      bind: [cutoff],
    })) as [unknown, { rowCount?: number }];
    // Applied event ids are only needed while the bus could still redeliver (EVENT_STREAM_RETENTION_HOURS, a week).
    await this.options.sequelize.query(`DELETE FROM ${this.s}.processed_events WHERE processed_at < now() - interval '30 days'`);
    return result.rowCount ?? 0;
  }

  registerMetrics(metrics: Metrics): void {
    const all: Array<Parameters<typeof metrics.registry.registerMetric>[0]> = [this.sent, this.deadLettered, this.retried, this.suppressed, this.goneSubscriptions, this.latency] as never;
    for (const metric of all) metrics.registry.registerMetric(metric);
    gaugeFromCallback(metrics, 'notifications_queued', 'Notifications waiting to be sent (due or not)', async () => {
      const [row] = await this.options.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.notifications WHERE status IN ('queued', 'sending')`, { type: QueryTypes.SELECT });
      return row?.n ?? 0;
    });
    gaugeFromCallback(metrics, 'notifications_dead_letters', 'Dead-lettered notifications in the delivery log', async () => {
      const [row] = await this.options.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.notifications WHERE status = 'dead'`, { type: QueryTypes.SELECT });
      return row?.n ?? 0;
    });
  }
}
