import { randomUUID } from 'node:crypto';
import type { Principal } from '@kathelfer/common/auth';
import { encodeCursor } from '@kathelfer/common/fields';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@kathelfer/common/errors';
import type { TaskBriefView } from '@kathelfer/contracts/api/tasks';
import { publish } from '@kathelfer/common/publish';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { afterFillChange, allowedTransitions, isTerminal, transitionProblem, type TaskStatus } from './lifecycle.js';
import type { Models } from './models/index.js';
import type { SiteAttributes, SiteRow } from './models/site.model.js';
import type { TaskAttributes, TaskRow } from './models/task.model.js';
import { domainProblems, type SiteInput, type SitePatch, type TaskInput, type TaskListQuery, type TaskPatch } from './schemas.js';
import { siteCapacityOf, type SiteOfTask } from './site-capacity.js';
import { taskBriefViewOf, taskEventOf } from './views.js';

/** Who reads a task: the principal, and for a helper who came with their self-service token the incidents they are available for. */
export interface TaskViewer {
  principal: Principal;
  helperIncidents?: string[];
}

const isCoordinator = (p: Principal) => p.roles.includes('coordinator');

const postalAreaOf = (postalCode: string) => postalCode.slice(0, 3);

/** Every column of tasks under its attribute name, so a raw row is a TaskAttributes. */
const taskColumns = `id, incident_id AS "incidentId", site_id AS "siteId", title, description, skills, resources, headcount,
  filled_count AS "filledCount", shift_start AS "shiftStart", shift_end AS "shiftEnd", priority, bring, briefing, status,
  postal_area AS "postalArea", latitude, longitude, version, created_by AS "createdBy", updated_by AS "updatedBy",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** 409 for a stale version; the body carries the current one so the client can re-read and retry. */
export class StaleVersionError extends ConflictError {
  constructor(what: string, current: number, given: number) {
    super(`The ${what} was changed in the meantime (you sent version ${given}, it is at ${current}). Reload it and apply your change again.`, {
      currentVersion: current,
    });
  }
}

/** Sites and tasks: every change writes its event to the outbox in the same transaction. */
export class TaskService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly schema: string,
    private readonly models: Models,
    /** Called after a commit that wrote events, so the relay publishes at once. */
    private readonly onEvents: () => void = () => undefined,
  ) {}

  async createSite(input: SiteInput, principal: Principal): Promise<SiteRow> {
    const site = await this.models.Site.create({
      id: randomUUID(),
      incidentId: input.incidentId,
      ...this.siteColumns(input),
      contactName: input.contact?.name ?? null,
      contactPhone: input.contact?.phone ?? null,
      accessNotes: input.accessNotes ?? null,
      createdBy: principal.subject,
      updatedBy: principal.subject,
    });
    return site;
  }

  private siteColumns(input: Pick<SiteInput, 'name' | 'address' | 'coordinates' | 'meetingPoint' | 'capacity'>) {
    return {
      name: input.name,
      street: input.address.street ?? null,
      postalCode: input.address.postalCode,
      city: input.address.city,
      postalArea: postalAreaOf(input.address.postalCode),
      latitude: input.coordinates.latitude,
      longitude: input.coordinates.longitude,
      meetingPoint: input.meetingPoint,
      capacity: input.capacity,
    };
  }

  async site(id: string): Promise<SiteRow> {
    const site = await this.models.Site.findByPk(id);
    if (site === null) throw new NotFoundError('No such site.');
    return site;
  }

  async sites(incidentId: string): Promise<SiteRow[]> {
    return this.models.Site.findAll({ where: { incidentId }, order: [['name', 'ASC'], ['id', 'ASC']], limit: 1000 });
  }

  /**
   * A changed location moves the site's unfinished tasks too, and matching hears of each; so it
   * does of a changed capacity, which every task event of the site carries.
   */
  async updateSite(id: string, patch: SitePatch, principal: Principal): Promise<SiteRow> {
    const site = await this.sequelize.transaction(async (transaction) => {
      const site = await this.models.Site.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      if (site === null) throw new NotFoundError('No such site.');
      if (site.version !== patch.version) throw new StaleVersionError('site', site.version, patch.version);
      const changes: Partial<SiteAttributes> = { version: site.version + 1, updatedAt: new Date(), updatedBy: principal.subject };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.meetingPoint !== undefined) changes.meetingPoint = patch.meetingPoint;
      if (patch.capacity !== undefined) changes.capacity = patch.capacity;
      if (patch.accessNotes !== undefined) changes.accessNotes = patch.accessNotes;
      if (patch.contact !== undefined) {
        changes.contactName = patch.contact?.name ?? null;
        changes.contactPhone = patch.contact?.phone ?? null;
      }
      if (patch.address !== undefined) {
        changes.street = patch.address.street ?? null;
        changes.postalCode = patch.address.postalCode;
        changes.city = patch.address.city;
        changes.postalArea = postalAreaOf(patch.address.postalCode);
      }
      if (patch.coordinates !== undefined) {
        changes.latitude = patch.coordinates.latitude;
        changes.longitude = patch.coordinates.longitude;
      }
      const capacityChanged = patch.capacity !== undefined && patch.capacity !== site.capacity;
      await site.update(changes, { transaction });
      const unfinished = { siteId: id, status: ['open', 'partially_filled', 'filled', 'in_progress'] };
      if (patch.address !== undefined || patch.coordinates !== undefined) {
        const [, moved] = await this.models.Task.update(
          { postalArea: site.postalArea, latitude: site.latitude, longitude: site.longitude, updatedAt: new Date() },
          { where: unfinished, transaction, returning: true },
        );
        for (const task of moved) await this.event(transaction, 'task.updated', task, site);
      } else if (capacityChanged) {
        // The tasks themselves are unchanged (no new version); only their events carry the capacity.
        const tasks = await this.models.Task.findAll({ where: unfinished, transaction, order: [['id', 'ASC']] });
        for (const task of tasks) await this.event(transaction, 'task.updated', task, site);
      }
      return site;
    });
    this.onEvents();
    return site;
  }

  async createTask(input: TaskInput, principal: Principal): Promise<TaskRow> {
    const task = await this.sequelize.transaction(async (transaction) => {
      const site = await this.models.Site.findByPk(input.siteId, { transaction });
      if (site === null) throw new ValidationError([domainProblems.siteNotFound]);
      if (site.incidentId !== input.incidentId) {
        throw new ValidationError([{ ...domainProblems.siteOfOtherIncident, message: `the site belongs to incident ${site.incidentId}, not ${input.incidentId}` }]);
      }
      const task = await this.models.Task.create(
        {
          id: randomUUID(),
          incidentId: input.incidentId,
          siteId: site.id,
          title: input.title,
          description: input.description,
          skills: input.skills,
          resources: input.resources,
          headcount: input.headcount,
          shiftStart: new Date(input.shiftStart),
          shiftEnd: new Date(input.shiftEnd),
          priority: input.priority,
          bring: input.bring,
          briefing: input.briefing,
          postalArea: site.postalArea,
          latitude: site.latitude,
          longitude: site.longitude,
          createdBy: principal.subject,
          updatedBy: principal.subject,
        },
        { transaction },
      );
      await this.event(transaction, 'task.created', task, site);
      return task;
    });
    this.onEvents();
    return task;
  }

  async task(id: string): Promise<TaskRow> {
    const task = await this.models.Task.findByPk(id);
    if (task === null) throw new NotFoundError('No such task.');
    return task;
  }

  /** Whether `helperId` has an accepted assignment for the task: what a helper may see. */
  async isAssigned(taskId: string, helperId: string): Promise<boolean> {
    return (await this.models.Assignment.count({ where: { taskId, helperId, status: 'accepted' } })) > 0;
  }

  /**
   * A task as `principal` may see it: coordinators every task, helpers only a task they are
   * assigned to. Throws NotFoundError otherwise: a helper learns nothing about tasks that are not
   * theirs, not even that they exist.
   */
  async taskFor(id: string, principal: Principal): Promise<TaskRow> {
    if (!isCoordinator(principal) && !(await this.isAssigned(id, principal.subject))) throw new NotFoundError('No such task.');
    return this.task(id);
  }

  /**
   * What a helper needs to decide on a proposal (`GET /v1/tasks/:id/brief`). Coordinators read
   * every brief. Proposals come from the matching service, so this service cannot tell which tasks
   * were proposed to whom: a helper reads the briefs of their incidents' tasks, and of any task
   * while they joined no incident (then what matching proposes them is the limit). Throws
   * ForbiddenError to a helper without a self-service token, NotFoundError for a task outside
   * their incidents (as for one that does not exist).
   */
  async brief(id: string, viewer: TaskViewer): Promise<TaskBriefView> {
    const task = await this.task(id);
    if (!isCoordinator(viewer.principal)) {
      const incidents = viewer.helperIncidents;
      if (incidents === undefined) throw new ForbiddenError('Open the brief with your self-service link.');
      if (incidents.length > 0 && !incidents.includes(task.incidentId)) throw new NotFoundError('No such task.');
    }
    return taskBriefViewOf(task, await this.site(task.siteId));
  }

  /**
   * Optimistic locking: the change applies only to the version the coordinator read; the row lock
   * makes the check and the write one step, so of two concurrent writers exactly one wins.
   */
  async updateTask(id: string, patch: TaskPatch & { version: number }, principal: Principal): Promise<TaskRow> {
    const task = await this.sequelize.transaction(async (transaction) => {
      const task = await this.models.Task.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      if (task === null) throw new NotFoundError('No such task.');
      if (task.version !== patch.version) throw new StaleVersionError('task', task.version, patch.version);
      const { version: _version, status, siteId, shiftStart, shiftEnd, ...fields } = patch;
      const edits = Object.keys(fields).length > 0 || siteId !== undefined || shiftStart !== undefined || shiftEnd !== undefined;
      if (isTerminal(task.status) && edits) throw new ConflictError(`The task is ${task.status}; it cannot change any more.`);
      const changes: Partial<TaskAttributes> = { ...fields, version: task.version + 1, updatedAt: new Date(), updatedBy: principal.subject };
      if (shiftStart !== undefined) changes.shiftStart = new Date(shiftStart);
      if (shiftEnd !== undefined) changes.shiftEnd = new Date(shiftEnd);
      const start = changes.shiftStart ?? task.shiftStart;
      const end = changes.shiftEnd ?? task.shiftEnd;
      if (end <= start) throw new ValidationError([domainProblems.shiftBeforeStart]);
      if (end.getTime() - start.getTime() > 24 * 3600 * 1000) throw new ValidationError([domainProblems.shiftTooLong]);
      if (siteId !== undefined && siteId !== task.siteId) {
        const site = await this.models.Site.findByPk(siteId, { transaction });
        if (site?.incidentId !== task.incidentId) throw new ValidationError([{ ...domainProblems.siteOfOtherIncident, message: 'no such site in this incident' }]);
        Object.assign(changes, { siteId, postalArea: site.postalArea, latitude: site.latitude, longitude: site.longitude });
      }
      const headcount = changes.headcount ?? task.headcount;
      if (headcount < task.filledCount) {
        throw new ConflictError(`${task.filledCount} helpers are assigned; cancel assignments before lowering the headcount below that.`, {
          filledCount: task.filledCount,
        });
      }
      let next: TaskStatus = afterFillChange(task.status, task.filledCount, headcount);
      if (status !== undefined && status !== task.status) {
        const problem = transitionProblem(task.status, status);
        if (problem !== undefined) throw new ConflictError(problem, { currentStatus: task.status, allowed: allowedTransitions(task.status) });
        next = status;
      }
      changes.status = next;
      await task.update(changes, { transaction });
      await this.event(transaction, next === 'cancelled' && status === 'cancelled' ? 'task.cancelled' : 'task.updated', task);
      return task;
    });
    this.onEvents();
    return task;
  }

  /**
   * Open tasks of an incident, most urgent first, by keyset pagination on (priority, shift start,
   * id): the partial indexes answer it without sorting, however deep the page.
   */
  async openTasks(query: TaskListQuery): Promise<{ items: TaskAttributes[]; nextCursor: string | null }> {
    const bind: unknown[] = [query.incidentId, query.maxPriority];
    const where = [`incident_id = $1`, `status IN ('open', 'partially_filled')`, `priority <= $2`];
    if (query.area !== undefined) {
      bind.push(query.area);
      where.push(`postal_area = $${bind.length}`);
    }
    if (query.cursor !== undefined) {
      const [priority, start, id] = query.cursor;
      bind.push(priority, new Date(start), id);
      where.push(`(priority, shift_start, id) > ($${bind.length - 2}, $${bind.length - 1}, $${bind.length}::uuid)`);
    }
    bind.push(query.limit + 1);
    // Plain rows, not model instances: building 50 instances per page cost more than the query.
    const rows = await this.sequelize.query<TaskAttributes>(
      `SELECT ${taskColumns} FROM "${this.schema}".tasks WHERE ${where.join(' AND ')} ORDER BY priority, shift_start, id LIMIT $${bind.length}`,
      { bind, type: QueryTypes.SELECT, raw: true },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > query.limit && last ? encodeCursor([last.priority, last.shiftStart.getTime(), last.id]) : null };
  }

  /** Appends the task's event; `site` saves a read when the caller holds the task's site already. */
  private async event(transaction: Transaction, type: 'task.created' | 'task.updated' | 'task.cancelled', task: TaskAttributes, site?: SiteOfTask): Promise<void> {
    const capacity = site?.id === task.siteId ? site : await siteCapacityOf(this.models, task.siteId, transaction);
    await publish(this.models.Outbox, transaction, 'tasks', type, taskEventOf(task, capacity));
  }
}
