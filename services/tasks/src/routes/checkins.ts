/** The check-in routes: check in and out by code at a site, a helper's own codes, hours worked. */
import { logPersonalDataAccess, requireRole, type TokenVerifier } from '@kathelfer/common/auth';
import { defineRoute, type AnyRoute } from '@kathelfer/common/routes';
import { attendanceView, hoursView, myAssignments } from '@kathelfer/contracts/api/tasks';
import type { AttendanceService } from '../attendance-service.js';
import type { HelperTokens } from '../helper-tokens.js';
import { codeBody, hoursQuery } from '../schemas.js';
import { attendanceViewOf } from '../views.js';
import { principalOf, selfServiceOr } from './access.js';

export function checkinRoutes(options: { attendance: AttendanceService; helperTokens: HelperTokens; verify: TokenVerifier }): AnyRoute[] {
  const { attendance, verify } = options;
  const coordinator = requireRole(verify, 'coordinator');
  // Site leads check helpers in at a site; nothing else (issue #18).
  const atSite = requireRole(verify, 'coordinator', 'site-lead');
  const helper = selfServiceOr(options.helperTokens, verify, 'helper');
  return [
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
      handler: async ({ ctx }) => ({ status: 200, headers: { 'Cache-Control': 'no-store' }, body: await attendance.mine(principalOf(ctx).subject) }),
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
        return { status: 200, headers: { 'Cache-Control': 'no-store' }, body: result };
      },
    }),
  ];
}
