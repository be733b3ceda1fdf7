import { randomUUID, timingSafeEqual } from 'node:crypto';
import { publish } from '@kathelfer/common/publish';
import { insertWithEvent, type Insert } from '@kathelfer/common/insert-with-event';
import { ConflictError, NotFoundError, ValidationError } from '@kathelfer/common/errors';
import { hashToken, newOpaqueToken } from '@kathelfer/common/opaque-token';
import type { Principal } from '@kathelfer/common/auth';
import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import { emailForDisplay } from './email.js';
import { idempotencyKeyHash, openResponse, requestHash, sealResponse } from './idempotency.js';
import type { HelperAttributes, HelperRow } from './models/helper.model.js';
import type { Models } from './models/index.js';
import { postalCodeCentroid } from './postal-code-centroid.js';
import { coarse, helperEventOf, postalAreaOf, profileOf } from './profile.js';
import type { HelperProfile, SelfServiceView } from '@kathelfer/contracts/api/registration';
import type { HelperListQuery, JoinIncidentInput, RegistrationInput, SelfServicePatch } from './schemas.js';
import { neededForInterpreting } from './schemas.js';
import type { HelperIncidentAttributes } from './models/helper-incident.model.js';
import type { Transaction } from 'sequelize';
import { channelPurposes, type NotificationQueue } from './notifications/queue.js';
import { refusedPushEndpoint } from './notifications/push-endpoint.js';
import type { ChannelName } from './notifications/channel.js';
import type { PushRenewalInput, PushSubscriptionInput } from './schemas.js';

/** What the helper service needs of the notifications (issue 17). */
export interface HelperNotifications {
  queue: NotificationQueue;
  /** Wakes the worker after a commit that queued something. */
  kick: () => void;
  /** RETENTION_DAYS, which the incident-ended message tells. */
  retentionDays: number;
  /** VAPID public key the pages subscribe with; undefined: Web Push is not configured. */
  vapidPublicKey: string | undefined;
  /** KATHELFER_ENVIRONMENT=production: push endpoints on loopback or internal addresses are refused (push-endpoint.ts). */
  production?: boolean;
}

export const selfServicePath = '/v1/helpers/me';
/** Where a registered helper makes themselves available for another incident. */
export const joinIncidentPath = '/v1/helpers/me/incidents';

export interface Registered {
  status: number;
  body: { id: string; token: string; selfService: string };
}

type ErasureReason = 'self-service' | 'retention';

/** The registration service's use cases; every change writes its event to the outbox in the same transaction. */
export class HelperService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
    private readonly models: Models,
    /** Called after a commit that wrote events, so the relay publishes at once. */
    private readonly onEvents: () => void = () => undefined,
    private readonly notifications?: HelperNotifications,
  ) {}

  async register(input: RegistrationInput, idempotencyKey?: string): Promise<Registered> {
    const hash = requestHash(input);
    if (idempotencyKey !== undefined) {
      const replay = await this.replay(idempotencyKey, hash);
      if (replay) return replay;
    }
    const id = randomUUID();
    const token = newOpaqueToken('kh_');
    const body = { id, token, selfService: selfServicePath };
    const coordinates = input.location.coordinates;
    // Without coordinates matching would never plan the helper; the postal-code centroid is coarse enough to share.
    const approximate = coordinates ?? postalCodeCentroid(input.location.postalCode);
    const now = new Date();
    const helper: HelperAttributes = {
      id,
      incidentId: input.incidentId ?? null,
      status: 'active',
      name: input.name,
      phoneE164: input.contact.phone ?? null,
      email: input.contact.email ?? null,
      postalCode: input.location.postalCode ?? null,
      latitude: coordinates?.latitude ?? null,
      longitude: coordinates?.longitude ?? null,
      postalArea: postalAreaOf(input.location.postalCode),
      coarseLatitude: coarse(approximate?.latitude),
      coarseLongitude: coarse(approximate?.longitude),
      maxTravelKm: input.maxTravelKm,
      skills: input.skills,
      languages: input.languages,
      resources: input.resources,
      availability: input.availability,
      maxHoursPerDay: input.maxHoursPerDay,
      paused: false,
      locale: input.locale,
      adultConfirmed: input.adultConfirmed,
      consentVersion: input.consent.version,
      consentPurposes: input.consent.purposes,
      consentedAt: now,
      tokenHash: hashToken(token),
      createdAt: now,
      updatedAt: now,
      erasedAt: null,
    };
    const inserts: Insert[] = [{ model: this.models.Helper, values: { ...helper } }];
    if (helper.incidentId !== null) {
      const membership: HelperIncidentAttributes = {
        helperId: id,
        incidentId: helper.incidentId,
        consentVersion: helper.consentVersion,
        consentPurposes: helper.consentPurposes,
        consentedAt: now,
      };
      inserts.push({ model: this.models.HelperIncident, values: { ...membership } });
    }
    const confirm = helper.email !== null && helper.consentPurposes.includes(channelPurposes.email) && this.notifications !== undefined;
    if (confirm) {
      // The confirmation carries the personal link, i.e. the token: it waits here only until the
      // mail is sent (then `data` is cleared), because the token is stored nowhere else.
      inserts.push({
        model: this.models.Notification,
        values: { sourceId: `registered:${id}`, helperId: id, channel: 'email', kind: 'registration-confirmed', status: 'queued', data: { token } },
      });
    }
    if (idempotencyKey !== undefined) {
      inserts.push({
        model: this.models.Idempotency,
        values: { keyHash: idempotencyKeyHash(idempotencyKey), requestHash: hash, helperId: id, status: 201, response: sealResponse(idempotencyKey, body) },
      });
    }
    try {
      // The helper, its event and the idempotency record commit together, in one round trip.
      await insertWithEvent(this.sequelize, this.schema, inserts, 'registration', 'helper.registered', helperEventOf(helper, helper.incidentId === null ? [] : [helper.incidentId]));
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      // A concurrent retry with the same key may have won the race: answer as it did.
      if (idempotencyKey !== undefined) {
        const replay = await this.replay(idempotencyKey, hash);
        if (replay) return replay;
      }
      // A person is their e-mail address, and their phone number with their name (migration 0002).
      // Not joined here: this request carries no proof that it comes from that person, only their
      // e-mail address or phone number; joining another incident takes the self-service token.
      throw new ConflictError('A helper with this e-mail address, or with this phone number and name, is registered already.', {
        selfService: selfServicePath,
        joinIncident: joinIncidentPath,
        ...(input.incidentId === undefined ? {} : { incidentId: input.incidentId }),
        hint:
          input.incidentId === undefined
            ? 'Use your self-service token to see or change your registration.'
            : `Use your self-service link to make yourself available for ${input.incidentId} as well.`,
      });
    }
    this.onEvents();
    if (confirm) this.notifications?.kick();
    return { status: 201, body };
  }

  private async replay(key: string, hash: string): Promise<Registered | undefined> {
    const record = await this.models.Idempotency.findByPk(idempotencyKeyHash(key));
    if (record === null) return undefined;
    if (record.requestHash !== hash) {
      throw new ValidationError([{ field: 'header.Idempotency-Key', message: 'this key was used with a different request' }]);
    }
    return { status: record.status, body: openResponse(key, record.response) as Registered['body'] };
  }

  /** The active helper a self-service token belongs to, or undefined. */
  async byToken(token: string): Promise<HelperRow | undefined> {
    const helper = await this.models.Helper.findOne({ where: { tokenHash: hashToken(token), status: 'active' } });
    return helper ?? undefined;
  }

  async update(helper: HelperRow, patch: SelfServicePatch): Promise<HelperRow> {
    const { consent, ...profile } = patch;
    const consentChange = consent ? { consentVersion: consent.version, consentPurposes: consent.purposes, consentedAt: new Date() } : {};
    const updated = await this.sequelize.transaction(async (transaction) => {
      // Locked and re-read: a concurrent change or erasure must not be overwritten or outrun.
      const current = await this.models.Helper.findOne({ where: { id: helper.id, status: 'active' }, transaction, lock: transaction.LOCK.UPDATE });
      if (current === null) throw new NotFoundError('No such helper, or their data was erased.');
      const skills = patch.skills ?? current.skills;
      const languages = patch.languages ?? current.languages;
      if (skills.includes('interpreting') && languages.length === 0) {
        throw new ValidationError([{ field: 'body.languages', message: 'interpreting needs at least one language', code: `languages.${neededForInterpreting.code}` }]);
      }
      const withdrawn = consent === undefined ? [] : (Object.entries(channelPurposes) as Array<[ChannelName, string]>).filter(([, purpose]) => current.consentPurposes.includes(purpose) && !(consent.purposes as readonly string[]).includes(purpose));
      for (const [channel] of withdrawn) await this.notifications?.queue.withdrawChannel(transaction, current.id, channel);
      await current.update({ ...profile, ...consentChange, updatedAt: new Date() }, { transaction });
      const incidentIds = (await this.memberships(current.id, transaction)).map((m) => m.incidentId);
      await publish(this.models.Outbox, transaction, 'registration', 'helper.updated', helperEventOf(current, incidentIds));
      return current;
    });
    this.onEvents();
    return updated;
  }

  /** The incidents a helper is available for, in the order they joined them. */
  async memberships(helperId: string, transaction?: Transaction): Promise<HelperIncidentAttributes[]> {
    const rows = await this.models.HelperIncident.findAll({ where: { helperId }, order: [['consentedAt', 'ASC'], ['incidentId', 'ASC']], transaction, raw: true });
    return rows;
  }

  /**
   * Makes an active helper available for another incident with the consent they gave for it, and
   * publishes helper.updated with the new set so matching plans them there too. Joining an
   * incident they are in already records the consent again. An incident recorded as ended cannot
   * be joined (409). Returns whether the membership is new.
   */
  async joinIncident(helper: HelperRow, input: JoinIncidentInput): Promise<{ helper: HelperRow; created: boolean }> {
    const result = await this.sequelize.transaction(async (transaction) => {
      // Locked like update and erase: a join must not outrun a concurrent erasure.
      const current = await this.models.Helper.findOne({ where: { id: helper.id, status: 'active' }, transaction, lock: transaction.LOCK.UPDATE });
      if (current === null) throw new NotFoundError('No such helper, or their data was erased.');
      const incident = await this.models.Incident.findByPk(input.incidentId, { transaction });
      if (incident !== null && incident.endedAt !== null && incident.endedAt.getTime() <= Date.now()) {
        throw new ConflictError(`The incident ${input.incidentId} has ended; it takes no more helpers.`, { incidentId: input.incidentId });
      }
      const existing = await this.models.HelperIncident.findOne({ where: { helperId: current.id, incidentId: input.incidentId }, transaction });
      const consent = { consentVersion: input.consent.version, consentPurposes: input.consent.purposes, consentedAt: new Date() };
      if (existing === null) {
        await this.models.HelperIncident.create({ helperId: current.id, incidentId: input.incidentId, ...consent }, { transaction });
      } else {
        await existing.update(consent, { transaction });
      }
      await current.update({ updatedAt: new Date() }, { transaction });
      const incidentIds = (await this.memberships(current.id, transaction)).map((m) => m.incidentId);
      await publish(this.models.Outbox, transaction, 'registration', 'helper.updated', helperEventOf(current, incidentIds));
      return { helper: current, created: existing === null };
    });
    this.onEvents();
    return result;
  }

  /**
   * Erases name, contact details, exact and coarse location, availability and the token; keeps
   * the fields statistics need (incident, skills, resources, postal area, dates).
   */
  async erase(helperId: string, reason: ErasureReason, requestId: string | null): Promise<void> {
    await this.sequelize.transaction(async (transaction) => {
      const [, affected] = await this.models.Helper.update(
        {
          status: 'erased',
          name: null,
          phoneE164: null,
          email: null,
          postalCode: null,
          latitude: null,
          longitude: null,
          coarseLatitude: null,
          coarseLongitude: null,
          availability: [],
          tokenHash: null,
          paused: true,
          erasedAt: new Date(),
          updatedAt: new Date(),
        },
        { where: { id: helperId, status: 'active' }, transaction, returning: true },
      );
      if (affected.length === 0) throw new NotFoundError('No such helper.');
      // Which incidents they were available for, and the consent for each, goes with the rest.
      await this.models.HelperIncident.destroy({ where: { helperId }, transaction });
      // The stored first response holds the token; it has no use any more.
      await this.models.Idempotency.destroy({ where: { helperId }, transaction });
      // Published events of this helper carried coarse location and availability; unpublished ones
      // must still go out so consumers see the erasure after what it erases.
      await this.sequelize.query(`DELETE FROM "${this.schema}".outbox WHERE sent_at IS NOT NULL AND payload->>'helperId' = $1`, {
        bind: [helperId],
        transaction,
      });
      // Push subscriptions, queued messages and who the delivery log's rows were for.
      await this.notifications?.queue.erase(transaction, helperId);
      await this.models.DeletionLog.create({ helperId, reason, requestId }, { transaction });
      await publish(this.models.Outbox, transaction, 'registration', 'helper.erased', { helperId });
    });
    this.onEvents();
  }

  async list(query: HelperListQuery): Promise<{ items: Array<HelperProfile & { registeredAt: string }>; nextOffset: number | null }> {
    const where = [`status = 'active'`];
    const bind: unknown[] = [];
    const param = (value: unknown) => {
      bind.push(value);
      return `$${bind.length}`;
    };
    if (query.incidentId !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM "${this.schema}".helper_incidents hi WHERE hi.helper_id = "Helper".id AND hi.incident_id = ${param(query.incidentId)})`);
    }
    if (query.skill !== undefined) where.push(`skills @> ARRAY[${param(query.skill)}]::text[]`);
    if (query.resource !== undefined) where.push(`resources @> ARRAY[${param(query.resource)}]::text[]`);
    if (query.language !== undefined) where.push(`languages @> ARRAY[${param(query.language)}]::text[]`);
    if (query.postalArea !== undefined) where.push(`postal_code LIKE ${param(`${query.postalArea}%`)}`);
    if (query.near !== undefined) {
      // The coarse location: what the list shows and matching plans with (the postal-code centroid
      // for a helper who gave no coordinates), so the search finds whoever the list places nearby.
      const [lat, lon] = query.near.split(',').map(Number);
      where.push(
        `coarse_latitude IS NOT NULL AND 2 * 6371 * asin(sqrt(power(sin(radians(coarse_latitude - ${param(lat)}) / 2), 2)
           + cos(radians(${param(lat)})) * cos(radians(coarse_latitude)) * power(sin(radians(coarse_longitude - ${param(lon)}) / 2), 2))) <= ${param(query.radiusKm)}`,
      );
    }
    if (query.availableAt !== undefined) {
      where.push(`NOT paused AND EXISTS (SELECT 1 FROM jsonb_array_elements(availability) w
        WHERE (w->>'from')::timestamptz <= ${param(query.availableAt)}::timestamptz AND (w->>'to')::timestamptz > ${param(query.availableAt)}::timestamptz)`);
    }
    const rows = await this.models.Helper.findAll({
      where: this.sequelize.literal(where.join(' AND ')),
      bind,
      order: [['createdAt', 'ASC'], ['id', 'ASC']],
      limit: query.limit + 1,
      offset: query.offset,
    });
    const page = rows.slice(0, query.limit);
    const memberships = await this.models.HelperIncident.findAll({
      where: { helperId: page.map((row) => row.id) },
      order: [['consentedAt', 'ASC'], ['incidentId', 'ASC']],
      raw: true,
    });
    const incidentsOf = (id: string) => memberships.filter((m) => m.helperId === id).map((m) => m.incidentId);
    return {
      items: page.map((row) => ({ ...profileOf(row, incidentsOf(row.id)), registeredAt: row.createdAt.toISOString() })),
      nextOffset: rows.length > query.limit ? query.offset + query.limit : null,
    };
  }

  /** Contact details for a coordinator; the access is logged in the same transaction, or not given. */
  async contact(helperId: string, principal: Principal, reason: string, requestId: string | null) {
    return this.sequelize.transaction(async (transaction) => {
      const helper = await this.models.Helper.findOne({ where: { id: helperId, status: 'active' }, transaction });
      if (helper === null) throw new NotFoundError('No such helper, or their data was erased.');
      await this.models.ContactAccess.create({ helperId, subject: principal.subject, roles: principal.roles, reason, requestId }, { transaction });
      return { helperId, name: helper.name ?? '', phone: helper.phoneE164, email: helper.email === null ? null : emailForDisplay(helper.email) };
    });
  }

  /**
   * Records when an incident ended. The first time it is recorded as ended, every helper available
   * for it who opted into a channel is thanked and told what happens to their data, queued in the
   * same transaction (once: the source is the incident).
   */
  async setIncident(id: string, endedAt: Date | null): Promise<void> {
    let queued = 0;
    await this.sequelize.transaction(async (transaction) => {
      const before = await this.models.Incident.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      await this.models.Incident.upsert({ id, endedAt }, { transaction });
      const notifications = this.notifications;
      if (notifications === undefined || endedAt === null || (before?.endedAt ?? null) !== null) return;
      const members = await this.models.HelperIncident.findAll({ where: { incidentId: id }, attributes: ['helperId'], transaction, raw: true });
      queued = await notifications.queue.enqueue(
        transaction,
        members.map((m) => ({
          sourceId: `incident-ended:${id}`,
          helperId: m.helperId,
          kind: 'incident-ended' as const,
          data: { incidentId: id, retentionDays: notifications.retentionDays },
          dueAt: endedAt,
        })),
      );
    });
    if (queued > 0) this.notifications?.kick();
  }

  /** Adds (or renews) a Web Push subscription; needs the consent purpose notify-push. Returns whether it is new. */
  async subscribePush(helper: HelperRow, subscription: PushSubscriptionInput): Promise<boolean> {
    if (!helper.consentPurposes.includes(channelPurposes.push)) {
      throw new ConflictError('Push notifications need your consent first (purpose "notify-push", consent text 2026-02).', { purpose: channelPurposes.push });
    }
    if (this.notifications?.vapidPublicKey === undefined) throw new ConflictError('Push notifications are not configured on this platform.');
    this.checkPushEndpoint(subscription.endpoint, 'body.endpoint');
    const [rows] = (await this.sequelize.query(
      `INSERT INTO "${this.schema}".push_subscriptions (helper_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
       ON CONFLICT (endpoint) DO UPDATE SET helper_id = EXCLUDED.helper_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING (xmax = 0) AS created`,
      { bind: [helper.id, subscription.endpoint, subscription.keys.p256dh.replace(/=+$/, ''), subscription.keys.auth.replace(/=+$/, '')] },
    )) as [Array<{ created: boolean }>, unknown];
    return rows[0]?.created ?? false;
  }

  /**
   * The browser replaced a push subscription on its own (Push API `pushsubscriptionchange`): the new
   * one takes the old one's place, for the same helper, while that helper is active and consents to
   * notify-push. The service worker proves it held the old one with its endpoint and auth secret
   * (compared in constant time). Throws NotFoundError when no such subscription is known.
   */
  async renewPush(renewal: PushRenewalInput): Promise<void> {
    const strip = (key: string) => key.replace(/=+$/, '');
    this.checkPushEndpoint(renewal.subscription.endpoint, 'body.subscription.endpoint');
    await this.sequelize.transaction(async (transaction) => {
      const [old] = await this.sequelize.query<{ id: string; helper_id: string; auth: string }>(
        `SELECT s.id::text, s.helper_id, s.auth FROM "${this.schema}".push_subscriptions s
           JOIN "${this.schema}".helpers h ON h.id = s.helper_id AND h.status = 'active' AND $2 = ANY (h.consent_purposes)
          WHERE s.endpoint = $1 FOR UPDATE OF s`,
        { bind: [renewal.oldEndpoint, channelPurposes.push], type: QueryTypes.SELECT, transaction },
      );
      const given = Buffer.from(strip(renewal.oldAuth));
      if (old === undefined || given.length !== Buffer.byteLength(old.auth) || !timingSafeEqual(given, Buffer.from(old.auth))) {
        throw new NotFoundError('No push subscription with this endpoint and auth secret is known.');
      }
      const { subscription } = renewal;
      await this.sequelize.query(`DELETE FROM "${this.schema}".push_subscriptions WHERE id = $1`, { bind: [old.id], transaction });
      await this.sequelize.query(
        `INSERT INTO "${this.schema}".push_subscriptions (helper_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE SET helper_id = EXCLUDED.helper_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth`,
        { bind: [old.helper_id, subscription.endpoint, strip(subscription.keys.p256dh), strip(subscription.keys.auth)], transaction },
      );
    });
  }

  /** Throws ValidationError (code `endpoint.internal`) for an endpoint production does not send to. */
  private checkPushEndpoint(endpoint: string, field: string): void {
    const refused = refusedPushEndpoint(endpoint, this.notifications?.production ?? false);
    if (refused !== undefined) throw new ValidationError([{ field, message: refused, code: 'endpoint.internal' }]);
  }

  /** Removes a Web Push subscription of this helper (the switch in self-service); unknown endpoints are no error. */
  async unsubscribePush(helper: HelperRow, endpoint: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM "${this.schema}".push_subscriptions WHERE helper_id = $1 AND endpoint = $2`, { bind: [helper.id, endpoint] });
  }

  /**
   * Anonymizes the helpers all of whose incidents ended more than `retentionDays` ago (one still
   * running, or not known to have ended, keeps them), and forgets
   * idempotency records and published outbox rows past their use. Returns how many helpers.
   */
  async applyRetention(retentionDays: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 24 * 3600 * 1000);
    const s = `"${this.schema}"`;
    const due = await this.sequelize.query<{ id: string }>(
      `SELECT h.id FROM ${s}.helpers h
        WHERE h.status = 'active'
          AND EXISTS (SELECT 1 FROM ${s}.helper_incidents hi WHERE hi.helper_id = h.id)
          AND NOT EXISTS (SELECT 1 FROM ${s}.helper_incidents hi LEFT JOIN ${s}.incidents i ON i.id = hi.incident_id
                           WHERE hi.helper_id = h.id AND (i.ended_at IS NULL OR i.ended_at >= $1))`,
      { bind: [cutoff], type: QueryTypes.SELECT },
    );
    for (const { id } of due) {
      await this.erase(id, 'retention', null);
    }
    await this.sequelize.query(`DELETE FROM ${s}.idempotency_keys WHERE created_at < $1`, { bind: [new Date(now.getTime() - 24 * 3600 * 1000)] });
    await this.sequelize.query(`DELETE FROM ${s}.outbox WHERE sent_at IS NOT NULL AND sent_at < $1`, { bind: [new Date(now.getTime() - 7 * 24 * 3600 * 1000)] });
    // The delivery log has its own retention (NOTIFY_LOG_RETENTION_DAYS).
    await this.notifications?.queue.applyRetention(now);
    return due.length;
  }

  /** What a helper sees of themselves: everything stored about them, with the consent per incident. */
  async selfView(helper: HelperRow): Promise<SelfServiceView> {
    const memberships = await this.memberships(helper.id);
    return {
      ...profileOf(helper, memberships.map((m) => m.incidentId)),
      name: helper.name ?? '',
      contact: { phone: helper.phoneE164, email: helper.email === null ? null : emailForDisplay(helper.email) },
      consent: { version: helper.consentVersion, purposes: helper.consentPurposes, consentedAt: helper.consentedAt.toISOString() },
      incidents: memberships.map((m) => ({
        incidentId: m.incidentId,
        consent: { version: m.consentVersion, purposes: m.consentPurposes, consentedAt: m.consentedAt.toISOString() },
      })),
      registeredAt: helper.createdAt.toISOString(),
      locale: helper.locale,
      notifications: {
        email: helper.email !== null && helper.consentPurposes.includes(channelPurposes.email),
        push: {
          consented: helper.consentPurposes.includes(channelPurposes.push),
          subscriptions: await this.pushSubscriptionCount(helper.id),
          publicKey: this.notifications?.vapidPublicKey ?? null,
        },
      },
    };
  }

  private async pushSubscriptionCount(helperId: string): Promise<number> {
    const [row] = await this.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${this.schema}".push_subscriptions WHERE helper_id = $1`, {
      bind: [helperId],
      type: QueryTypes.SELECT,
    });
    return row?.n ?? 0;
  }
}
