import { actionKeyPrefix } from '@kathelfer/common/action-link';
import { bearerToken, logPersonalDataAccess, requireRole, type TokenVerifier } from '@kathelfer/common/auth';
import { defineRoute, type AnyRoute } from '@kathelfer/common/routes';
import type { Middleware } from 'koa';
import type { AssignmentService } from './assignment-service.js';
import type { RoundService } from './rounds.js';
import { assignmentList, assignmentView, roundStats, runList } from '@kathelfer/contracts/api/matching';
import { assignmentIdParams, assignmentQuery, runBody, runsQuery } from './schemas.js';

declare module 'koa' {
  interface DefaultState {
    helperId?: string;
  }
}

/** Helper routes take the self-service token registration issued (not a JWT) as bearer token. */
function requireHelper(assignments: AssignmentService): Middleware {
  return async function requireHelperMiddleware(ctx, next) {
    ctx.state.helperId = await assignments.helperByToken(bearerToken(ctx.get('authorization')));
    await next();
  };
}

/**
 * Answering one proposal also takes the key of its accept link (`Bearer action.<key>`, from a
 * proposal mail; services/common/src/action-link.ts), which is good for that assignment only.
 */
function requireHelperOrActionKey(assignments: AssignmentService, secret: string | undefined): Middleware {
  const helper = requireHelper(assignments);
  return async function requireHelperOrActionKeyMiddleware(ctx, next) {
    const token = bearerToken(ctx.get('authorization'));
    if (token?.startsWith(actionKeyPrefix) !== true) {
      await helper(ctx, next);
      return;
    }
    ctx.state.helperId = await assignments.helperByActionKey(secret, String((ctx.params as { id?: string }).id ?? ''), token.slice(actionKeyPrefix.length));
    await next();
  };
}

const helperOf = (state: { helperId?: string }): string => state.helperId ?? '';

export function matchingRoutes(options: { assignments: AssignmentService; rounds: RoundService; verify: TokenVerifier; actionLinkSecret?: string }): AnyRoute[] {
  const { assignments, rounds } = options;
  const coordinator = requireRole(options.verify, 'coordinator');
  const helper = requireHelper(assignments);
  const answerer = requireHelperOrActionKey(assignments, options.actionLinkSecret);
  const answer = (decision: 'accept' | 'decline') =>
    defineRoute({
      method: 'post',
      path: `/v1/assignments/:id/${decision}`,
      summary:
        decision === 'accept'
          ? 'Accept a proposal (self-service token)'
          : 'Decline a proposal, or withdraw after accepting (self-service token); the pair is not proposed again and the slot is re-planned',
      tags: ['helpers'],
      security: 'bearer',
      middleware: [answerer],
      params: assignmentIdParams,
      responses: {
        200: { description: `The assignment, ${decision === 'accept' ? 'accepted' : 'declined (cancelled when it had been accepted)'}`, schema: assignmentView },
        403: { description: 'The proposal was made to another helper' },
        409: { description: 'The proposal expired, was cancelled or answered otherwise' },
      },
      handler: async ({ params, ctx }) => ({ status: 200, body: await assignments.answer(params.id, helperOf(ctx.state), decision) }),
    });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/matching/runs',
      summary: 'Run a planning round for a DisasterEvent now (coordinators) and get its statistics',
      tags: ['matching'],
      security: 'bearer',
      middleware: [coordinator, logPersonalDataAccess('planning round over helpers\' profiles')],
      body: runBody,
      responses: {
        200: { description: 'The round ran and wrote its proposals', schema: roundStats },
        409: { description: 'Another replica holds this incident\'s round for longer than the wait' },
      },
      handler: async ({ body, ctx }) => ({ status: 200, body: await rounds.run(body.incidentId, `coordinator:${ctx.state.principal?.subject ?? 'unknown'}`) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/matching/runs',
      summary: "A DisasterEvent's latest planning rounds and their statistics (coordinators)",
      tags: ['matching'],
      security: 'bearer',
      middleware: [coordinator],
      query: runsQuery,
      responses: { 200: { description: 'Rounds, newest first', schema: runList } },
      handler: async ({ query }) => ({ status: 200, body: { items: await rounds.recent(query.incidentId, query.limit) } }),
    }),
    answer('accept'),
    answer('decline'),
    defineRoute({
      method: 'get',
      path: '/v1/assignments/mine',
      summary: 'My proposals and assignments (self-service token)',
      tags: ['helpers'],
      security: 'bearer',
      middleware: [helper],
      responses: { 200: { description: 'Your assignments', schema: assignmentList } },
      handler: async ({ ctx }) => ({ status: 200, body: { items: await assignments.list({ helperId: helperOf(ctx.state) }) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/assignments',
      summary: 'Assignments of a task or a DisasterEvent (coordinators)',
      tags: ['coordination'],
      security: 'bearer',
      middleware: [coordinator],
      query: assignmentQuery,
      responses: { 200: { description: 'Assignments, oldest proposal first', schema: assignmentList } },
      handler: async ({ query }) => ({ status: 200, body: { items: await assignments.list(query, query.limit) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/assignments/:id/cancel',
      summary: 'Cancel a proposal or an accepted assignment (coordinators); the slot is re-planned',
      tags: ['coordination'],
      security: 'bearer',
      middleware: [coordinator],
      params: assignmentIdParams,
      responses: { 200: { description: 'The assignment, cancelled', schema: assignmentView }, 409: { description: 'Declined or expired already' } },
      handler: async ({ params }) => ({ status: 200, body: await assignments.cancel(params.id) }),
    }),
  ];
}
