import { bearerToken, logPersonalDataAccess, requireRole, type Principal, type Role, type TokenVerifier } from '@kathelfer/common/auth';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '@kathelfer/common/errors';
import { defineRoute, type AnyRoute } from '@kathelfer/common/routes';
import type { Middleware, ParameterizedContext } from 'koa';
import type { AttendanceService } from './attendance-service.js';
import type { HelperTokens } from './helper-tokens.js';
import {
  domainProblems,
  attendanceView,
  codeBody,
  hoursQuery,
  hoursView,
  idParams,
  myAssignments,
  siteBody,
  siteList,
  siteListQuery,
  siteLoad,
  sitePatch,
  siteView,
  taskBody,
  taskList,
  taskListQuery,
  taskPatch,
  taskBrief,
  taskView,
} from './schemas.js';
import type { TaskService } from './task-service.js';
import { siteViewOf, taskViewOf } from './views.js';

function principalOf(ctx: ParameterizedContext): Principal {
  const principal = ctx.state.principal;
  if (principal === undefined) throw new UnauthorizedError();
  return principal;
}

declare module 'koa' {
  interface DefaultState {
    /** The incidents a helper is available for, when they came with their self-service token. */
    helperIncidents?: string[];
  }
}

/**
 * A helper's self-service token (the one registration issued; its hash arrives with the helper
 * events) makes them a principal with role `helper` and their helper id as subject; any other
 * bearer token must be a JWT with one of `roles`.
 */
function selfServiceOr(helperTokens: HelperTokens, verify: TokenVerifier, ...roles: Role[]): Middleware {
  const jwt = requireRole(verify, ...roles);
  return async function selfServiceOrRoleMiddleware(ctx, next) {
    const token = bearerToken(ctx.get('authorization'));
    // A JWT (three dot-separated parts) is never a self-service token: no lookup for coordinators.
    const opaque = token !== undefined && token.split('.').length !== 3;
    const helper = opaque && roles.includes('helper') ? await helperTokens.byToken(token) : undefined;
    if (helper === undefined) {
      await jwt(ctx, next);
      return;
    }
    ctx.state.principal = { subject: helper.helperId, roles: ['helper'] };
    ctx.state.helperIncidents = helper.incidentIds;
    await next();
  };
}

const isCoordinator = (p: Principal) => p.roles.includes('coordinator');
const etag = (version: number) => ({ ETag: `"${version}"` });

/** The version a write applies to: `version` in the body or an `If-Match` of a previous ETag. */
function expectedVersion(ctx: ParameterizedContext, fromBody: number | undefined): number {
  const header = ctx.get('if-match');
  const fromHeader = /^(?:W\/)?"(\d+)"$/.exec(header)?.[1];
  if (header !== '' && fromHeader === undefined) throw new ValidationError([domainProblems.ifMatchInvalid]);
  if (fromBody !== undefined && fromHeader !== undefined && Number(fromHeader) !== fromBody) {
    throw new ValidationError([domainProblems.versionMismatch]);
  }
  const version = fromBody ?? (fromHeader === undefined ? undefined : Number(fromHeader));
  if (version === undefined) throw new ValidationError([domainProblems.versionMissing]);
  return version;
}

const ifMatch = { 'If-Match': { description: 'The ETag you read; alternative to `version` in the body' } };

export function taskRoutes(options: { tasks: TaskService; attendance: AttendanceService; helperTokens: HelperTokens; verify: TokenVerifier }): AnyRoute[] {
  const { tasks, attendance, verify } = options;
  const coordinator = requireRole(verify, 'coordinator');
  // Site leads check helpers in at a site and see its load; nothing else (issue #18).
  const atSite = requireRole(verify, 'coordinator', 'site-lead');
  const coordinatorOrHelper = selfServiceOr(options.helperTokens, verify, 'coordinator', 'helper');
  const helper = selfServiceOr(options.helperTokens, verify, 'helper');
  return [
    defineRoute({
      method: 'post',
      path: '/v1/sites',
      summary: 'Create a site (Einsatzstelle)',
      tags: ['sites'],
      security: 'bearer',
      middleware: [coordinator],
      body: siteBody,
      responses: { 201: { description: 'Created', schema: siteView } },
      handler: async ({ body, ctx }) => {
        const site = await tasks.createSite(body, principalOf(ctx));
        return { status: 201, body: siteViewOf(site), headers: { Location: `/v1/sites/${site.id}`, ...etag(site.version) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sites',
      summary: "An incident's sites",
      tags: ['sites'],
      security: 'bearer',
      middleware: [coordinator],
      query: siteListQuery,
      responses: { 200: { description: 'Sites by name', schema: siteList } },
      handler: async ({ query }) => ({ status: 200, body: { items: (await tasks.sites(query.incidentId)).map(siteViewOf) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sites/:id',
      summary: 'A site',
      tags: ['sites'],
      security: 'bearer',
      middleware: [coordinator],
      params: idParams,
      responses: { 200: { description: 'The site', schema: siteView } },
      handler: async ({ params }) => {
        const site = await tasks.site(params.id);
        return { status: 200, body: siteViewOf(site), headers: etag(site.version) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/sites/:id',
      summary: 'Change a site (optimistic locking by version)',
      tags: ['sites'],
      security: 'bearer',
      middleware: [coordinator],
      params: idParams,
      body: sitePatch,
      headers: ifMatch,
      responses: { 200: { description: 'The site after the change', schema: siteView }, 409: { description: 'Changed in the meantime; see currentVersion' } },
      handler: async ({ params, body, ctx }) => {
        const site = await tasks.updateSite(params.id, { ...body, version: expectedVersion(ctx, body.version) }, principalOf(ctx));
        return { status: 200, body: siteViewOf(site), headers: etag(site.version) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sites/:id/load',
      summary: "A site's current load: helpers checked in against its capacity (coordinators, site leads)",
      tags: ['sites'],
      security: 'bearer',
      middleware: [atSite],
      params: idParams,
      responses: { 200: { description: 'Load', schema: siteLoad } },
      handler: async ({ params }) => ({ status: 200, body: await attendance.load(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/tasks',
      summary: 'Post a task (Auftrag) for an incident',
      tags: ['tasks'],
      security: 'bearer',
      middleware: [coordinator],
      body: taskBody,
      responses: { 201: { description: 'Created, open', schema: taskView } },
      handler: async ({ body, ctx }) => {
        const task = await tasks.createTask(body, principalOf(ctx));
        return { status: 201, body: taskViewOf(task), headers: { Location: `/v1/tasks/${task.id}`, ...etag(task.version) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tasks',
      summary: 'Open tasks of an incident (open or partially filled), most urgent first, by area',
      tags: ['tasks'],
      security: 'bearer',
      middleware: [coordinator],
      query: taskListQuery,
      responses: { 200: { description: 'A page of tasks; pass nextCursor as cursor for the next', schema: taskList } },
      handler: async ({ query }) => {
        const page = await tasks.openTasks(query);
        return { status: 200, body: { items: page.items.map(taskViewOf), nextCursor: page.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tasks/:id',
      summary: 'A task (coordinators; helpers only a task they are assigned to)',
      tags: ['tasks'],
      security: 'bearer',
      middleware: [coordinatorOrHelper],
      params: idParams,
      responses: { 200: { description: 'The task', schema: taskView } },
      handler: async ({ params, ctx }) => {
        const principal = principalOf(ctx);
        // A helper learns nothing about tasks that are not theirs, not even that they exist.
        if (!isCoordinator(principal) && !(await tasks.isAssigned(params.id, principal.subject))) throw new NotFoundError('No such task.');
        const task = await tasks.task(params.id);
        return { status: 200, body: taskViewOf(task), headers: etag(task.version) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tasks/:id/brief',
      summary: "What a helper needs to decide on a proposal: the task, its shift, what to bring, the site's meeting point (no site contact); helpers see tasks of their own incident",
      tags: ['tasks'],
      security: 'bearer',
      middleware: [coordinatorOrHelper],
      params: idParams,
      responses: { 200: { description: 'The brief', schema: taskBrief } },
      handler: async ({ params, ctx }) => {
        const principal = principalOf(ctx);
        const task = await tasks.task(params.id);
        if (!isCoordinator(principal)) {
          // Proposals come from the matching service, so this service cannot tell which tasks were
          // proposed to whom; it limits helpers to their incident's tasks and to what is public on site.
          const incidents = ctx.state.helperIncidents;
          if (incidents === undefined) throw new ForbiddenError('Open the brief with your self-service link.');
          // A helper registered without an incident (none joined) is limited by what matching proposes them.
          if (incidents.length > 0 && !incidents.includes(task.incidentId)) throw new NotFoundError('No such task.');
        }
        const site = await tasks.site(task.siteId);
        return {
          status: 200,
          headers: { 'Cache-Control': 'no-store' },
          body: {
            id: task.id,
            title: task.title,
            description: task.description,
            briefing: task.briefing,
            bring: task.bring,
            skills: task.skills,
            resources: task.resources,
            shiftStart: task.shiftStart.toISOString(),
            shiftEnd: task.shiftEnd.toISOString(),
            status: task.status,
            site: {
              id: site.id,
              name: site.name,
              meetingPoint: site.meetingPoint,
              address: { street: site.street, postalCode: site.postalCode, city: site.city },
              accessNotes: site.accessNotes,
            },
          },
        };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/tasks/:id',
      summary: 'Change a task or move it in its lifecycle (optimistic locking by version)',
      tags: ['tasks'],
      security: 'bearer',
      middleware: [coordinator],
      params: idParams,
      body: taskPatch,
      headers: ifMatch,
      responses: {
        200: { description: 'The task after the change', schema: taskView },
        409: { description: 'Changed in the meantime (currentVersion), or a transition that is not allowed (allowed)' },
      },
      handler: async ({ params, body, ctx }) => {
        const task = await tasks.updateTask(params.id, { ...body, version: expectedVersion(ctx, body.version) }, principalOf(ctx));
        return { status: 200, body: taskViewOf(task), headers: etag(task.version) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/checkins',
      summary: "Check a helper in at a site by their code (site lead's scan; coordinators, site leads)",
      tags: ['check-in'],
      security: 'bearer',
      middleware: [atSite, logPersonalDataAccess('check-in by code')],
      body: codeBody,
      responses: {
        201: { description: 'Checked in', schema: attendanceView },
        409: { description: 'Refused: another site, expired, withdrawn, site full, already checked in (see reason)' },
      },
      handler: async ({ body, ctx }) => ({ status: 201, body: attendanceViewOf(await attendance.checkIn(body.siteId, body.code, principalOf(ctx))) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/checkins/checkout',
      summary: 'Check a helper out at a site by their code (coordinators, site leads)',
      tags: ['check-in'],
      security: 'bearer',
      middleware: [atSite, logPersonalDataAccess('check-out by code')],
      body: codeBody,
      responses: { 200: { description: 'Checked out', schema: attendanceView }, 409: { description: 'Not checked in, or already out' } },
      handler: async ({ body, ctx }) => ({ status: 200, body: attendanceViewOf(await attendance.checkOut(body.siteId, body.code, principalOf(ctx))) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/checkins/me',
      summary: 'My accepted assignments with their check-in codes (helpers: the self-service token, or a JWT with role helper)',
      tags: ['check-in'],
      security: 'bearer',
      middleware: [helper],
      responses: { 200: { description: 'Your accepted assignments', schema: myAssignments } },
      handler: async ({ ctx }) => {
        ctx.set('Cache-Control', 'no-store');
        return { status: 200, body: await attendance.mine(principalOf(ctx).subject) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/checkins/hours',
      summary: 'Hours worked per helper per day, for working-time and rest rules (coordinators); every read is logged with its reason',
      tags: ['check-in'],
      security: 'bearer',
      middleware: [coordinator, logPersonalDataAccess('working hours of helpers')],
      query: hoursQuery,
      responses: { 200: { description: 'Hours by helper and day', schema: hoursView } },
      handler: async ({ query, ctx }) => {
        const principal = principalOf(ctx);
        const result = await attendance.hours(query, principal, ctx.state.requestId);
        ctx.state.log.info({ subject: principal.subject, helperId: query.helperId, reason: query.reason }, 'check-in log read');
        ctx.set('Cache-Control', 'no-store');
        return { status: 200, body: result };
      },
    }),
  ];
}

function attendanceViewOf(row: { assignmentId: string; taskId: string; siteId: string; checkedInAt: Date; checkedOutAt: Date | null }) {
  return {
    assignmentId: row.assignmentId,
    taskId: row.taskId,
    siteId: row.siteId,
    checkedInAt: row.checkedInAt.toISOString(),
    checkedOutAt: row.checkedOutAt?.toISOString() ?? null,
  };
}

