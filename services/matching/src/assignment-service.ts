import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '@kathelfer/common/errors';
import { hashToken } from '@kathelfer/common/opaque-token';
import { Op, type Sequelize } from 'sequelize';
import { endLiveAssignments, recordAssignmentEvents } from './assignment-events.js';
import { markChanged } from './event-state.js';
import type { AssignmentAttributes } from './models/assignment.model.js';
import type { Models } from './models/index.js';

export interface AssignmentView {
  id: string;
  event: string;
  taskId: string;
  helperId: string;
  status: AssignmentAttributes['status'];
  shiftStart: string;
  shiftEnd: string;
  distanceKm: number;
  proposedAt: string;
  expiresAt: string;
  decidedAt: string | null;
  reason: string | null;
}

export function viewOf(a: AssignmentAttributes): AssignmentView {
  return {
    id: a.id,
    event: a.eventId,
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
    /** After a commit that wrote events; `replan` lists events that need a round. */
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

  async answer(assignmentId: string, helperId: string, answer: 'accept' | 'decline'): Promise<AssignmentView> {
    const target = answer === 'accept' ? 'accepted' : 'declined';
    const result = await this.sequelize.transaction(async (transaction) => {
      const row = await this.models.Assignment.findByPk(assignmentId, { transaction, lock: transaction.LOCK.UPDATE });
      if (row === null) throw new NotFoundError('No such assignment.');
      if (row.helperId !== helperId) throw new ForbiddenError('This proposal was made to another helper.');
      if (row.status === target) return { row, changed: false };
      if (answer === 'decline' && row.status === 'accepted') {
        // A helper who cannot come after all: the task service tracks fill by accepted and
        // cancelled, so this is a cancellation, and the slot is re-planned.
        const [ended] = await endLiveAssignments(this.models, transaction, { ids: [row.id] }, 'cancelled', 'helper-withdrew');
        await markChanged(this.sequelize, this.schema, transaction, [row.eventId]);
        return { row: ended ?? row.get({ plain: true }), changed: true };
      }
      if (row.status !== 'proposed') throw new ConflictError(`This assignment is ${row.status}; it cannot be ${target} any more.`, { assignmentStatus: row.status });
      if (row.expiresAt.getTime() <= Date.now()) throw new ConflictError('This proposal has expired.', { assignmentStatus: 'expired' });
      await row.update({ status: target, decidedAt: new Date() }, { transaction });
      await recordAssignmentEvents(this.models, transaction, answer === 'accept' ? 'assignment.accepted' : 'assignment.declined', [row.get({ plain: true })]);
      if (answer === 'decline') await markChanged(this.sequelize, this.schema, transaction, [row.eventId]);
      return { row, changed: true };
    });
    if (result.changed) this.onCommit(answer === 'decline' ? [result.row.eventId] : []);
    return viewOf(result.row);
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
      await markChanged(this.sequelize, this.schema, transaction, [row.eventId]);
      return { row: ended ?? row.get({ plain: true }), changed: true };
    });
    if (result.changed) this.onCommit([result.row.eventId]);
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
      await markChanged(this.sequelize, this.schema, transaction, rows.map((r) => r.eventId));
      return rows;
    });
    if (ended.length > 0) this.onCommit([...new Set(ended.map((r) => r.eventId))]);
    return ended.length;
  }

  async list(where: { taskId?: string; event?: string; helperId?: string; status?: AssignmentAttributes['status'] }, limit = 500): Promise<AssignmentView[]> {
    const rows = await this.models.Assignment.findAll({
      where: {
        ...(where.taskId === undefined ? {} : { taskId: where.taskId }),
        ...(where.event === undefined ? {} : { eventId: where.event }),
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
