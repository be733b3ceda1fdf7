import type { Principal } from '@kathelfer/common/auth';
import { DomainError, NotFoundError, ValidationError } from '@kathelfer/common/errors';
import { publish } from '@kathelfer/common/publish';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { checkinCode, formatCode, parseCode, qrPayload, verifyCode } from './checkin-code.js';
import type { Models } from './models/index.js';
import type { HoursView, MyAssignments, SiteLoad } from '@kathelfer/contracts/api/tasks';
import type { TaskStatus } from './lifecycle.js';
import { domainProblems, type HoursQuery } from './schemas.js';

export type RefusalReason = 'wrong-site' | 'withdrawn' | 'expired' | 'too-early' | 'task-closed' | 'site-full' | 'already-checked-in' | 'not-checked-in' | 'already-checked-out';

/** 409 with a reason a site lead's device can act on and a sentence a person can. */
export class CheckinRefusedError extends DomainError {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(409, 'checkin-refused', 'Check-in refused', detail, { reason, ...extensions });
  }
}

interface CodeTarget {
  id: string;
  task_id: string;
  helper_id: string;
  status: 'accepted' | 'withdrawn';
  shift_start: Date;
  shift_end: Date;
  code_ref: string;
  site_id: string;
  site_name: string;
  task_status: string;
}

export interface AttendanceConfig {
  secret: string;
  earlyMinutes: number;
  graceMinutes: number;
  timeZone?: string;
}

const minute = 60_000;

/** Check-in and check-out by signed code, site capacity and load, the hours worked. */
export class AttendanceService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
    private readonly models: Models,
    private readonly config: AttendanceConfig,
    private readonly onEvents: () => void = () => undefined,
  ) {}

  private expiresAt(shiftEnd: Date): Date {
    return new Date(shiftEnd.getTime() + this.config.graceMinutes * minute);
  }

  codeFor(assignment: { id: string; codeRef: number; siteId: string; shiftEnd: Date }): string {
    return checkinCode(this.config.secret, { ref: assignment.codeRef, assignmentId: assignment.id, siteId: assignment.siteId, expiresAt: this.expiresAt(assignment.shiftEnd) });
  }

  /**
   * The assignment a code names, verified against the site it was issued for and its current
   * shift. A code that does not verify is "unknown", whatever the cause, so guessing learns nothing.
   */
  private async target(siteId: string, code: string, transaction: Transaction): Promise<CodeTarget> {
    const unknown = new ValidationError([domainProblems.checkinCodeUnknown]);
    const parsed = parseCode(code);
    if (parsed === undefined) throw unknown;
    const s = `"${this.schema}"`;
    const [target] = await this.sequelize.query<CodeTarget>(
      `SELECT a.id, a.task_id, a.helper_id, a.status, a.shift_start, a.shift_end, a.code_ref, t.site_id, t.status AS task_status, st.name AS site_name
         FROM ${s}.assignments a JOIN ${s}.tasks t ON t.id = a.task_id JOIN ${s}.sites st ON st.id = t.site_id
        WHERE a.code_ref = $1`,
      { bind: [parsed.ref], type: QueryTypes.SELECT, transaction },
    );
    if (target === undefined) throw unknown;
    const binding = { ref: Number(target.code_ref), assignmentId: target.id, siteId: target.site_id, expiresAt: this.expiresAt(target.shift_end) };
    if (!verifyCode(this.config.secret, parsed, binding)) throw unknown;
    if (target.site_id !== siteId) {
      throw new CheckinRefusedError('wrong-site', `This code is for the site "${target.site_name}", not this one. Send the helper there.`, { siteId: target.site_id });
    }
    return target;
  }

  async checkIn(siteId: string, code: string, principal: Principal, now = new Date()) {
    const result = await this.sequelize.transaction(async (transaction) => {
      // The site row lock serialises check-ins of one site, so its capacity is never overrun.
      const site = await this.models.Site.findByPk(siteId, { transaction, lock: transaction.LOCK.UPDATE });
      if (site === null) throw new NotFoundError('No such site.');
      const target = await this.target(siteId, code, transaction);
      if (target.status !== 'accepted') throw new CheckinRefusedError('withdrawn', 'This assignment was cancelled; the helper is not expected here.');
      if (target.task_status === 'completed' || target.task_status === 'cancelled') {
        throw new CheckinRefusedError('task-closed', `The task is ${target.task_status}; nobody checks in for it any more.`);
      }
      const expires = this.expiresAt(target.shift_end);
      if (now > expires) throw new CheckinRefusedError('expired', `This code expired at ${expires.toISOString()} (the shift ended at ${target.shift_end.toISOString()}).`);
      const opens = new Date(target.shift_start.getTime() - this.config.earlyMinutes * minute);
      if (now < opens) throw new CheckinRefusedError('too-early', `Check-in for this shift opens at ${opens.toISOString()}.`);
      const existing = await this.models.Attendance.findByPk(target.id, { transaction });
      if (existing !== null) throw new CheckinRefusedError('already-checked-in', `Already checked in at ${existing.checkedInAt.toISOString()}.`);
      const present = await this.models.Attendance.count({ where: { siteId, checkedOutAt: null }, transaction });
      if (present >= site.capacity) {
        throw new CheckinRefusedError(
          'site-full',
          `The site "${site.name}" is full: ${present} of ${site.capacity} helpers are checked in. Check someone out or raise the site's capacity first.`,
          { capacity: site.capacity, checkedIn: present },
        );
      }
      const row = await this.models.Attendance.create(
        { assignmentId: target.id, helperId: target.helper_id, taskId: target.task_id, siteId, checkedInAt: now, checkedInBy: principal.subject },
        { transaction },
      );
      await publish(this.models.Outbox, transaction, 'tasks', 'checkin.recorded', {
        assignmentId: target.id,
        taskId: target.task_id,
        siteId,
        helperId: target.helper_id,
        checkedInAt: now.toISOString(),
      });
      return row;
    });
    this.onEvents();
    return result;
  }

  async checkOut(siteId: string, code: string, principal: Principal, now = new Date()) {
    const result = await this.sequelize.transaction(async (transaction) => {
      const site = await this.models.Site.findByPk(siteId, { transaction });
      if (site === null) throw new NotFoundError('No such site.');
      // No status or time check here: a helper whose assignment was withdrawn while on site, or who
      // stayed past the shift, still has to be checked out.
      const target = await this.target(siteId, code, transaction);
      const row = await this.models.Attendance.findByPk(target.id, { transaction, lock: transaction.LOCK.UPDATE });
      if (row === null) throw new CheckinRefusedError('not-checked-in', 'This helper is not checked in.');
      if (row.checkedOutAt !== null) throw new CheckinRefusedError('already-checked-out', `Already checked out at ${row.checkedOutAt.toISOString()}.`);
      await row.update({ checkedOutAt: now, checkedOutBy: principal.subject }, { transaction });
      await publish(this.models.Outbox, transaction, 'tasks', 'checkout.recorded', {
        assignmentId: row.assignmentId,
        taskId: row.taskId,
        siteId,
        helperId: row.helperId,
        checkedInAt: row.checkedInAt.toISOString(),
        checkedOutAt: now.toISOString(),
      });
      return row;
    });
    this.onEvents();
    return result;
  }

  async load(siteId: string): Promise<SiteLoad> {
    const site = await this.models.Site.findByPk(siteId);
    if (site === null) throw new NotFoundError('No such site.');
    const checkedIn = await this.models.Attendance.count({ where: { siteId, checkedOutAt: null } });
    return { siteId, capacity: site.capacity, checkedIn, available: Math.max(0, site.capacity - checkedIn) };
  }

  /** A helper's own accepted assignments, with the code to show at the site. */
  async mine(helperId: string): Promise<MyAssignments> {
    const s = `"${this.schema}"`;
    const rows = await this.sequelize.query<{
      id: string;
      code_ref: string;
      shift_start: Date;
      shift_end: Date;
      task_id: string;
      title: string;
      briefing: string;
      bring: string[];
      task_status: TaskStatus;
      site_id: string;
      site_name: string;
      meeting_point: string;
      street: string | null;
      postal_code: string;
      city: string;
      access_notes: string | null;
      checked_in_at: Date | null;
      checked_out_at: Date | null;
    }>(
      `SELECT a.id, a.code_ref, a.shift_start, a.shift_end, t.id AS task_id, t.title, t.briefing, t.bring, t.status AS task_status,
              st.id AS site_id, st.name AS site_name, st.meeting_point, st.street, st.postal_code, st.city, st.access_notes,
              at.checked_in_at, at.checked_out_at
         FROM ${s}.assignments a JOIN ${s}.tasks t ON t.id = a.task_id JOIN ${s}.sites st ON st.id = t.site_id
         LEFT JOIN ${s}.attendance at ON at.assignment_id = a.id
        WHERE a.helper_id = $1 AND a.status = 'accepted' ORDER BY a.shift_start`,
      { bind: [helperId], type: QueryTypes.SELECT },
    );
    return {
      items: rows.map((r) => {
        const code = this.codeFor({ id: r.id, codeRef: Number(r.code_ref), siteId: r.site_id, shiftEnd: r.shift_end });
        return {
          assignmentId: r.id,
          task: { id: r.task_id, title: r.title, briefing: r.briefing, bring: r.bring, status: r.task_status },
          site: { id: r.site_id, name: r.site_name, meetingPoint: r.meeting_point, address: { street: r.street, postalCode: r.postal_code, city: r.city }, accessNotes: r.access_notes },
          shiftStart: r.shift_start.toISOString(),
          shiftEnd: r.shift_end.toISOString(),
          code: formatCode(code),
          qrPayload: qrPayload(code),
          checkedInAt: r.checked_in_at?.toISOString() ?? null,
          checkedOutAt: r.checked_out_at?.toISOString() ?? null,
        };
      }),
    };
  }

  /**
   * Hours worked per helper and calendar day in the authority's time zone, for the working-time and
   * rest rules: a shift over midnight counts on both days, and one not checked out counts until
   * now. Only the part inside [from, to) counts. The read is logged in the same transaction, or not
   * served.
   */
  async hours(query: HoursQuery, principal: Principal, requestId: string | null): Promise<HoursView> {
    const timeZone = this.config.timeZone ?? 'Europe/Berlin';
    return this.sequelize.transaction(async (transaction) => {
      await this.models.AttendanceAccess.create(
        { subject: principal.subject, roles: principal.roles, reason: query.reason, helperId: query.helperId ?? null, requestId },
        { transaction },
      );
      const bind: unknown[] = [timeZone, query.from, query.to];
      let helperFilter = '';
      if (query.helperId !== undefined) {
        bind.push(query.helperId);
        helperFilter = `AND helper_id = $4`;
      }
      const rows = await this.sequelize.query<{ helper_id: string; day: string; hours: number; shifts: number; open_shift: boolean }>(
        `WITH spans AS (
           SELECT helper_id, greatest(checked_in_at, $2::timestamptz) AS s, least(coalesce(checked_out_at, now()), $3::timestamptz) AS e,
                  checked_out_at IS NULL AS open
             FROM "${this.schema}".attendance
            WHERE checked_in_at < $3::timestamptz AND coalesce(checked_out_at, now()) > $2::timestamptz ${helperFilter}
         ), days AS (
           SELECT helper_id, open, d::date AS day,
                  greatest(s, d AT TIME ZONE $1) AS ds, least(e, (d + interval '1 day') AT TIME ZONE $1) AS de
             FROM spans, generate_series(date_trunc('day', s AT TIME ZONE $1), date_trunc('day', e AT TIME ZONE $1), interval '1 day') AS d
         )
         SELECT helper_id, to_char(day, 'YYYY-MM-DD') AS day, round((sum(extract(epoch FROM de - ds)) / 3600)::numeric, 2)::float8 AS hours,
                count(*)::int AS shifts, bool_or(open) AS open_shift
           FROM days WHERE de > ds GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 10000`,
        { bind, type: QueryTypes.SELECT, transaction },
      );
      return { timeZone, items: rows.map((r) => ({ helperId: r.helper_id, day: r.day, hours: r.hours, shifts: r.shifts, openShift: r.open_shift })) };
    });
  }

  /** Drops check-in records checked out more than `retentionDays` ago; returns how many. */
  async applyRetention(retentionDays: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 24 * 3600 * 1000);
    const [, count] = await this.sequelize.query(`DELETE FROM "${this.schema}".attendance WHERE checked_out_at < $1`, { bind: [cutoff] });
    return typeof count === 'number' ? count : (count as { rowCount?: number }).rowCount ?? 0;
  }
}
