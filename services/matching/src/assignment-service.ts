import { isActionKey } from '@kathelfer/common/action-link';
import type { AssignmentView } from '@kathelfer/contracts/api/matching';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '@kathelfer/common/errors';
import { hashToken } from '@kathelfer/common/opaque-token';
import { Op, QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { endLiveAssignments, recordAssignmentEvents } from './assignment-events.js';
import { markChanged } from './incident-state.js';
import type { AssignmentAttributes } from './models/assignment.model.js';
import type { Models } from './models/index.js';

export type { AssignmentView };

export function viewOf(a: AssignmentAttributes): AssignmentView {
  return {
    id: a.id,
    incidentId: a.incidentId,
    taskId: a.taskId,
    helperId: a.helperId,
    status: a.status,
    shiftStart: a.shiftStart.toISOString(),
    shiftEnd: a.shiftEnd.toISOString(),
    distanceKm: Math.round(a.distanceKm * 100) / 100,
    proposedAt: a.proposedAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
    reason: a.reason,
  };
}

/** Helpers answer proposals, coordinators cancel, the sweep expires; each writes its event in the same transaction. */
export class AssignmentService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
    private readonly models: Models,
    /** After a commit that wrote events; `replan` lists the incidents that need a round. */
    private readonly onCommit: (replan: string[]) => void,
  ) {}

  /**
   * The helper a self-service token belongs to. Registration issues the token and publishes only
   * its SHA-256 in the helper events (see registration's helperEventOf), so this service checks it
   * against its own read model and never reads registration's tables; an erased helper's token
   * stops working with the erasure event.
   */
  async helperByToken(token: string | undefined): Promise<string> {
    const helper = token === undefined ? null : await this.models.Helper.findOne({ where: { tokenHash: hashToken(token) }, attributes: ['id'] });
    if (helper === null) throw new UnauthorizedError('A valid self-service token is required.');
    return helper.id;
  }

  /**
   * The helper an accept link's key answers for: the one `assignmentId` was proposed to, if the key
   * is that assignment's (services/common/src/action-link.ts). Throws UnauthorizedError otherwise.
   */
  async helperByActionKey(secret: string | undefined, assignmentId: string, key: string): Promise<string> {
    const row = secret === undefined ? null : await this.models.Assignment.findByPk(assignmentId, { attributes: ['helperId'] });
    if (row === null || secret === undefined || !isActionKey(secret, assignmentId, row.helperId, key)) {
      throw new UnauthorizedError('This link is not valid (any more); open your personal link instead.');
    }
    return row.helperId;
  }

  async answer(assignmentId: string, helperId: string, answer: 'accept' | 'decline'): Promise<AssignmentView> {
    const target = answer === 'accept' ? 'accepted' : 'declined';
    const result = await this.sequelize.transaction(async (transaction) => {
      // An acceptance takes the locks its limits need first, always in the order helper → tasks of
      // the site → assignment (the order erasure and task events take them too), so two accepts
      // that would together break a limit are decided one after the other.
      if (answer === 'accept') await this.lockForAccept(assignmentId, helperId, transaction);
      const row = await this.models.Assignment.findByPk(assignmentId, { transaction, lock: transaction.LOCK.UPDATE });
      if (row === null) throw new NotFoundError('No such assignment.');
      if (row.helperId !== helperId) throw new ForbiddenError('This proposal was made to another helper.');
      if (row.status === target) return { row, changed: false };
      if (answer === 'decline' && row.status === 'accepted') {
        // A helper who cannot come after all: the task service tracks fill by accepted and
        // cancelled, so this is a cancellation, and the slot is re-planned.
        const [ended] = await endLiveAssignments(this.models, transaction, { ids: [row.id] }, 'cancelled', 'helper-withdrew');
        await markChanged(this.sequelize, this.schema, transaction, [row.incidentId]);
        return { row: ended ?? row.get({ plain: true }), changed: true };
      }
      if (row.status !== 'proposed') throw new ConflictError(`This assignment is ${row.status}; it cannot be ${target} any more.`, { assignmentStatus: row.status });
      if (row.expiresAt.getTime() <= Date.now()) throw new ConflictError('This proposal has expired.', { assignmentStatus: 'expired' });
      if (answer === 'accept') await this.checkAcceptLimits(row, transaction);
      await row.update({ status: target, decidedAt: new Date() }, { transaction });
      await recordAssignmentEvents(this.models, transaction, answer === 'accept' ? 'assignment.accepted' : 'assignment.declined', [row.get({ plain: true })]);
      if (answer === 'decline') await markChanged(this.sequelize, this.schema, transaction, [row.incidentId]);
      return { row, changed: true };
    });
    if (result.changed) this.onCommit(answer === 'decline' ? [result.row.incidentId] : []);
    return viewOf(result.row);
  }

  /**
   * Locks, inside `transaction`, the helper and every task of the proposal's site in this
   * DisasterEvent (by id, so concurrent accepts never deadlock). Reads the assignment unlocked
   * first only to find its task: an assignment never moves to another task.
   */
  private async lockForAccept(assignmentId: string, helperId: string, transaction: Transaction): Promise<void> {
    const s = `"${this.schema}"`;
    await this.sequelize.query(`SELECT 1 FROM ${s}.helpers WHERE id = $1 FOR UPDATE`, { bind: [helperId], transaction, type: QueryTypes.SELECT });
    await this.sequelize.query(
      `SELECT t.id FROM ${s}.tasks t
         JOIN ${s}.tasks mine ON mine.site_id = t.site_id AND mine.incident_id = t.incident_id
         JOIN ${s}.assignments a ON a.task_id = mine.id
        WHERE a.id = $1 ORDER BY t.id FOR UPDATE OF t`,
      { bind: [assignmentId], transaction, type: QueryTypes.SELECT },
    );
  }

  /**
   * The "at most N" rules an acceptance must keep, checked under the locks of lockForAccept: the
   * task's current headcount, its site's capacity at every instant of the shift (helpers of all the
   * site's tasks present at once), and one place at a time for the helper. Throws a 409
   * ConflictError naming the limit; the source of each limit is the task service's latest task
   * event, so a lowered headcount counts from the moment matching has applied it.
   */
  private async checkAcceptLimits(a: AssignmentAttributes, transaction: Transaction): Promise<void> {
    const s = `"${this.schema}"`;
    const [limits] = await this.sequelize.query<{ headcount: number; status: string; site_capacity: number | null; accepted: number; site_peak: number; overlapping: number }>(
      `WITH me AS (SELECT t.headcount, t.status, t.site_id, t.incident_id, t.site_capacity FROM ${s}.tasks t WHERE t.id = $1),
            present AS (
              SELECT a.shift_start, a.shift_end FROM ${s}.assignments a JOIN ${s}.tasks t ON t.id = a.task_id, me
               WHERE t.site_id = me.site_id AND t.incident_id = me.incident_id AND a.status = 'accepted' AND a.shift_start < $3 AND a.shift_end > $2)
       SELECT me.headcount, me.status, me.site_capacity,
              (SELECT count(*)::int FROM ${s}.assignments WHERE task_id = $1 AND status = 'accepted') AS accepted,
              -- occupancy only rises at a shift start, so the peak over the shift is at one of these instants
              (SELECT coalesce(max((SELECT count(*) FROM present p WHERE p.shift_start <= i.at AND p.shift_end > i.at)), 0)::int
                 FROM (SELECT $2::timestamptz AS at UNION SELECT shift_start FROM present WHERE shift_start > $2) i) AS site_peak,
              (SELECT count(*)::int FROM ${s}.assignments WHERE helper_id = $4 AND status = 'accepted' AND id <> $5
                 AND shift_start < $3 AND shift_end > $2) AS overlapping
         FROM me`,
      { bind: [a.taskId, a.shiftStart, a.shiftEnd, a.helperId, a.id], transaction, type: QueryTypes.SELECT },
    );
    if (limits === undefined || limits.status !== 'open') {
      throw new ConflictError('The task was cancelled; this proposal cannot be accepted any more.', { limit: 'task-cancelled' });
    }
    if (limits.accepted >= limits.headcount) {
      throw new ConflictError(`The task needs ${limits.headcount} helpers and has them already.`, { limit: 'headcount', headcount: limits.headcount, accepted: limits.accepted });
    }
    if (limits.site_capacity !== null && limits.site_peak >= limits.site_capacity) {
      throw new ConflictError(`The site holds ${limits.site_capacity} helpers at once and is full during this shift.`, {
        limit: 'site-capacity',
        capacity: limits.site_capacity,
        present: limits.site_peak,
      });
    }
    if (limits.overlapping > 0) {
      throw new ConflictError('You have accepted another shift at the same time.', { limit: 'helper-overlap' });
    }
  }

  /** A coordinator withdraws a proposal or releases an accepted helper; the pair is not proposed again. */
  async cancel(assignmentId: string): Promise<AssignmentView> {
    const result = await this.sequelize.transaction(async (transaction) => {
      const row = await this.models.Assignment.findByPk(assignmentId, { transaction, lock: transaction.LOCK.UPDATE });
      if (row === null) throw new NotFoundError('No such assignment.');
      if (row.status === 'cancelled') return { row, changed: false };
      if (row.status !== 'proposed' && row.status !== 'accepted') {
        throw new ConflictError(`This assignment is ${row.status} already.`, { assignmentStatus: row.status });
      }
      const [ended] = await endLiveAssignments(this.models, transaction, { ids: [row.id] }, 'cancelled', 'coordinator');
      await markChanged(this.sequelize, this.schema, transaction, [row.incidentId]);
      return { row: ended ?? row.get({ plain: true }), changed: true };
    });
    if (result.changed) this.onCommit([result.row.incidentId]);
    return viewOf(result.row);
  }

  /** Expires proposals past their time, a batch at a time; replicas sweeping together skip each other's rows. */
  async expireDue(batch = 500): Promise<number> {
    const ended = await this.sequelize.transaction(async (transaction) => {
      const due = await this.models.Assignment.findAll({
        where: { status: 'proposed', expiresAt: { [Op.lte]: new Date() } },
        attributes: ['id'],
        limit: batch,
        transaction,
        lock: transaction.LOCK.UPDATE,
        skipLocked: true,
      });
      if (due.length === 0) return [];
      const rows = await endLiveAssignments(this.models, transaction, { ids: due.map((d) => d.id), onlyProposed: true }, 'expired', null);
      await markChanged(this.sequelize, this.schema, transaction, rows.map((r) => r.incidentId));
      return rows;
    });
    if (ended.length > 0) this.onCommit([...new Set(ended.map((r) => r.incidentId))]);
    return ended.length;
  }

  async list(where: { taskId?: string; incidentId?: string; helperId?: string; status?: AssignmentAttributes['status'] }, limit = 500): Promise<AssignmentView[]> {
    const rows = await this.models.Assignment.findAll({
      where: {
        ...(where.taskId === undefined ? {} : { taskId: where.taskId }),
        ...(where.incidentId === undefined ? {} : { incidentId: where.incidentId }),
        ...(where.helperId === undefined ? {} : { helperId: where.helperId }),
        ...(where.status === undefined ? {} : { status: where.status }),
      },
      order: [['proposedAt', 'ASC'], ['id', 'ASC']],
      limit,
      raw: true,
    });
    return rows.map(viewOf);
  }
}
