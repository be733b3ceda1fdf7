/** The site routes (Einsatzstellen): create, list, read, change, and a site's current load. */
import { requireRole, type TokenVerifier } from '@kathelfer/common/auth';
import { defineRoute, type AnyRoute } from '@kathelfer/common/routes';
import { siteList, siteLoad, siteView } from '@kathelfer/contracts/api/tasks';
import type { AttendanceService } from '../attendance-service.js';
import { idParams, siteBody, siteListQuery, sitePatch } from '../schemas.js';
import type { TaskService } from '../task-service.js';
import { siteViewOf } from '../views.js';
import { etag, expectedVersion, ifMatch, principalOf } from './access.js';

export function siteRoutes(options: { tasks: TaskService; attendance: AttendanceService; verify: TokenVerifier }): AnyRoute[] {
  const { tasks, attendance, verify } = options;
  const coordinator = requireRole(verify, 'coordinator');
  // Site leads see their site's load (and check helpers in, checkins.ts); nothing else (issue #18).
  const atSite = requireRole(verify, 'coordinator', 'site-lead');
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
  ];
}
