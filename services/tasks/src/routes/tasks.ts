/** The task routes (Aufträge): post, list the open ones, read, read the brief, change. */
import { requireRole, type TokenVerifier } from '@kathelfer/common/auth';
import { defineRoute, type AnyRoute } from '@kathelfer/common/routes';
import { taskBriefView, taskList, taskView } from '@kathelfer/contracts/api/tasks';
import type { HelperTokens } from '../helper-tokens.js';
import { idParams, taskBody, taskListQuery, taskPatch } from '../schemas.js';
import type { TaskService } from '../task-service.js';
import { taskViewOf } from '../views.js';
import { etag, expectedVersion, ifMatch, principalOf, selfServiceOr } from './access.js';

export function taskRoutes(options: { tasks: TaskService; helperTokens: HelperTokens; verify: TokenVerifier }): AnyRoute[] {
  const { tasks, verify } = options;
  const coordinator = requireRole(verify, 'coordinator');
  const coordinatorOrHelper = selfServiceOr(options.helperTokens, verify, 'coordinator', 'helper');
  return [
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
        const task = await tasks.taskFor(params.id, principalOf(ctx));
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
      responses: { 200: { description: 'The brief', schema: taskBriefView } },
      handler: async ({ params, ctx }) => ({
        status: 200,
        headers: { 'Cache-Control': 'no-store' },
        body: await tasks.brief(params.id, { principal: principalOf(ctx), helperIncidents: ctx.state.helperIncidents }),
      }),
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
  ];
}
