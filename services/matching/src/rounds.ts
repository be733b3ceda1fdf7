/**
 * A planning round for one incident (its DisasterEvent): under the incident's lock, read the read model, withdraw
 * proposals that no longer fit, let the engine fill the open slots around everything helpers
 * already hold, and write the new proposals with their events in one transaction that checks the
 * fencing token (round-lock.ts). Rounds of different incidents run in parallel on any replica.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError } from '@kathelfer/common/errors';
import type { Logger } from '@kathelfer/common/logger';
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import { endLiveAssignments, recordAssignmentEvents } from './assignment-events.js';
import { distanceKm, type Plan, type PlanInput, type PlanOptions } from './engine/index.js';
import type { AssignmentAttributes } from './models/assignment.model.js';
import type { Models } from './models/index.js';
import { planningInput } from './planning-input.js';
import type { RoundLock } from './round-lock.js';
import { planQuality, type RoundStats } from './round-stats.js';

const DAY_MS = 24 * 3600 * 1000;

/** Another replica runs a round of this incident right now. */
export class RoundBusyError extends ConflictError {
  constructor(incidentId: string) {
    super(`A planning round for ${incidentId} is running on another replica; retry shortly.`);
  }
}

/** This round's token was overtaken by a newer round; it wrote nothing. */
export class StaleRoundError extends ConflictError {
  constructor(incidentId: string) {
    super(`A newer planning round for ${incidentId} took over; this one wrote nothing.`);
  }
}

export interface RoundOptions {
  proposalTtlSeconds: number;
  restHours: number;
  searchIterations: number;
  lockWaitMs: number;
}

/** Plans one round's input; the service runs it in a worker thread (plan-worker.ts). */
export type RoundPlanner = (input: PlanInput, options: Omit<PlanOptions, 'shouldStop'>) => Promise<Plan>;

export class RoundService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
    private readonly models: Models,
    private readonly lock: RoundLock,
    private readonly options: RoundOptions,
    private readonly logger: Logger,
    private readonly onEvents: () => void,
    private readonly onRound: (stats: RoundStats) => void = () => undefined,
    private readonly planner: RoundPlanner = () => Promise.reject(new Error('no planner configured')),
  ) {}

  /** Runs a round; RoundBusyError if the lock is not ours within `waitMs`. */
  async run(incidentId: string, trigger: string, waitMs = this.options.lockWaitMs): Promise<RoundStats> {
    const held = await this.lock.acquire(incidentId, waitMs);
    if (held === undefined) throw new RoundBusyError(incidentId);
    try {
      return await this.execute(incidentId, trigger, held.token);
    } finally {
      await held.release().catch((error: unknown) => this.logger.warn({ err: error, incidentId }, 'round lock release failed; it expires'));
    }
  }

  /** The round itself, given a fencing token; exported for the tests of a stale holder. */
  async execute(incidentId: string, trigger: string, token: number): Promise<RoundStats> {
    const started = performance.now();
    const startedAt = new Date();
    const s = `"${this.schema}"`;
    const claimed = await this.sequelize.query<{ change_seq: string }>(
      `INSERT INTO ${s}.incident_state (incident_id, fence) VALUES ($1, $2)
         ON CONFLICT (incident_id) DO UPDATE SET fence = EXCLUDED.fence WHERE ${s}.incident_state.fence < EXCLUDED.fence
       RETURNING change_seq`,
      { bind: [incidentId, token], type: QueryTypes.SELECT },
    );
    if (claimed[0] === undefined) throw new StaleRoundError(incidentId);
    const seenSeq = claimed[0].change_seq;

    const now = Date.now();
    const [helpers, tasks, assignments] = await Promise.all([
      this.models.Helper.findAll({ where: { incidentIds: { [Op.contains]: [incidentId] } }, raw: true }),
      this.models.Task.findAll({ where: { incidentId, status: 'open', shiftEnd: { [Op.gt]: new Date(now - DAY_MS) } }, raw: true }),
      this.models.Assignment.findAll({ where: { incidentId }, raw: true }),
    ]);
    // What these helpers hold in other incidents they joined: those hours are taken.
    const elsewhere = await this.models.Assignment.findAll({
      where: { helperId: helpers.map((h) => h.id), incidentId: { [Op.ne]: incidentId }, status: ['proposed', 'accepted'] },
      raw: true,
    });
    const { input, withdraw } = planningInput({ helpers, tasks, assignments, elsewhere });
    const planStarted = performance.now();
    // Off the event loop, with a deadline: health checks, SIGTERM and event intake go on meanwhile.
    const result = await this.planner(input, { now, restHours: this.options.restHours, searchIterations: this.options.searchIterations });
    const planMs = performance.now() - planStarted;

    const helperById = new Map(input.helpers.map((h) => [h.id, h]));
    const shiftById = new Map(input.shifts.map((sh) => [sh.id, sh]));
    const roundId = randomUUID();
    const ttlEnd = Date.now() + this.options.proposalTtlSeconds * 1000;
    const fresh: AssignmentAttributes[] = result.assignments
      .filter((a) => a.status === 'proposed')
      .map((a) => {
        const shift = shiftById.get(a.shiftId)!;
        const helper = helperById.get(a.helperId)!;
        return {
          id: randomUUID(),
          incidentId,
          taskId: a.shiftId,
          helperId: a.helperId,
          status: 'proposed',
          shiftStart: new Date(shift.start),
          shiftEnd: new Date(shift.end),
          distanceKm: distanceKm(helper.location, shift.location),
          roundId,
          proposedAt: startedAt,
          // An answer after the shift started is no use: the slot must be re-planned before then.
          expiresAt: new Date(Math.min(ttlEnd, shift.start)),
          decidedAt: null,
          reason: null,
        };
      });

    let written: AssignmentAttributes[] = [];
    let withdrawn = 0;
    await this.sequelize.transaction(async (transaction) => {
      // Locks in the order every other writer takes them (helpers, assignments, incident_state), so
      // an erasure or a decline running now waits or goes first, and never deadlocks with a round.
      // Helpers erased while the engine planned get nothing: the share lock makes an erasure wait for this commit or come first.
      const stillThere = await this.sequelize.query<{ id: string }>(`SELECT id FROM ${s}.helpers WHERE id = ANY($1::uuid[]) FOR SHARE`, {
        bind: [[...new Set(fresh.map((a) => a.helperId))]],
        transaction,
        type: QueryTypes.SELECT,
      });
      if (withdraw.length > 0) {
        const ended = await endLiveAssignments(this.models, transaction, { ids: withdraw.map((a) => a.id), onlyProposed: true }, 'cancelled', 'no-longer-feasible');
        withdrawn = ended.length;
      }
      const [fence] = await this.sequelize.query<{ fence: string }>(`SELECT fence FROM ${s}.incident_state WHERE incident_id = $1 FOR UPDATE`, {
        bind: [incidentId],
        transaction,
        type: QueryTypes.SELECT,
      });
      if (fence === undefined || Number(fence.fence) !== token) throw new StaleRoundError(incidentId);
      const present = new Set(stillThere.map((r) => r.id));
      written = fresh.filter((a) => present.has(a.helperId));
      await this.models.Assignment.bulkCreate(written, { transaction });
      await recordAssignmentEvents(this.models, transaction, 'assignment.proposed', written);
      await this.sequelize.query(`UPDATE ${s}.incident_state SET planned_seq = GREATEST(planned_seq, $2) WHERE incident_id = $1`, {
        bind: [incidentId, seenSeq],
        transaction,
      });
      const stats = this.stats(result, now, { roundId, incidentId, trigger, token, proposed: written.length, withdrawn, planMs, started });
      await this.models.Round.create({ id: roundId, incidentId, fence: token, trigger, startedAt, finishedAt: new Date(), stats }, { transaction });
    });
    this.onEvents();
    const stats = this.stats(result, now, { roundId, incidentId, trigger, token, proposed: written.length, withdrawn, planMs, started });
    this.logger.info(stats, 'planning round written');
    this.onRound(stats);
    return stats;
  }

  /** The incident's latest written rounds, newest first. */
  async recent(incidentId: string, limit: number): Promise<Array<RoundStats & { startedAt: string; finishedAt: string }>> {
    const rows = await this.models.Round.findAll({ where: { incidentId }, order: [['finishedAt', 'DESC']], limit, raw: true });
    return rows.map((r) => ({ ...r.stats, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() }));
  }

  private stats(
    result: Plan,
    now: number,
    r: { roundId: string; incidentId: string; trigger: string; token: number; proposed: number; withdrawn: number; planMs: number; started: number },
  ): RoundStats {
    return {
      roundId: r.roundId,
      incidentId: r.incidentId,
      trigger: r.trigger,
      fence: r.token,
      proposed: r.proposed,
      withdrawn: r.withdrawn,
      helpers: result.input.helpers.length,
      ...planQuality(result, now),
      planMs: Math.round(r.planMs * 10) / 10,
      runTimeMs: Math.round((performance.now() - r.started) * 10) / 10,
    };
  }
}
