import { bearerToken, logPersonalDataAccess, requireRole, type TokenVerifier } from '@kathelfer/common/auth';
import { UnauthorizedError } from '@kathelfer/common/errors';
import { defineRoute, type AnyRoute } from '@kathelfer/common/routes';
import { parseWith } from '@kathelfer/common/validation';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { joinIncidentPath, selfServicePath, type HelperService } from './helper-service.js';
import type { RegistrationLimits } from './limits.js';
import type { HelperRow } from './models/helper.model.js';
import {
  contactQuery,
  contactView,
  helperIdParams,
  helperListQuery,
  incidentBody,
  incidentParams,
  joinIncidentBody,
  registrationBody,
  pushRenewalBody,
  pushSubscriptionBody,
  pushSubscriptionQuery,
  selfServicePatch,
} from './schemas.js';
import { helperList, registrationCreated, selfServiceView } from '@kathelfer/contracts/api/registration';

declare module 'koa' {
  interface DefaultState {
    helper?: HelperRow;
  }
}

/** Self-service routes take the helper's opaque token (not a JWT) as bearer token. */
function requireHelper(service: HelperService): Middleware {
  return async function requireHelperMiddleware(ctx, next) {
    const token = bearerToken(ctx.get('authorization'));
    const helper = token === undefined ? undefined : await service.byToken(token);
    if (helper === undefined) throw new UnauthorizedError('A valid self-service token is required.');
    ctx.state.helper = helper;
    await next();
  };
}

function helperOf(state: { helper?: HelperRow }): HelperRow {
  if (state.helper === undefined) throw new UnauthorizedError();
  return state.helper;
}

/** Responses with personal data or tokens. */
const noStore = { 'Cache-Control': 'no-store' };

const idempotencyHeader = z.object({ 'Idempotency-Key': z.string().min(8).max(200) });

export function registrationRoutes(options: { service: HelperService; verify: TokenVerifier; limits: RegistrationLimits }): AnyRoute[] {
  const { service, verify } = options;
  const coordinator = requireRole(verify, 'coordinator');
  const self = requireHelper(service);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/helpers',
      summary: 'Register as a spontaneous volunteer',
      tags: ['helpers'],
      body: registrationBody,
      headers: { 'Idempotency-Key': { description: 'Makes a retried request return the first response' } },
      middleware: [options.limits.address],
      responses: {
        201: { description: 'Registered; the token is shown only now', schema: registrationCreated },
        409: { description: 'This e-mail address, or this phone number with this name, is registered already; use self-service, where `joinIncident` makes you available for this incident too' },
        429: { description: 'Too many attempts from this address or for this phone number or e-mail address, or too many refused ones; see Retry-After' },
      },
      handler: async ({ body, ctx }) => {
        const header = ctx.get('idempotency-key');
        const key = header === '' ? undefined : parseWith(idempotencyHeader, { 'Idempotency-Key': header }, 'header')['Idempotency-Key'];
        await options.limits.person(body.contact);
        const result = await service.register(body, key);
        // The body holds the self-service token: no cache may keep it.
        return { status: result.status, body: result.body, headers: { Location: selfServicePath, 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/helpers/me',
      summary: 'My registration (self-service token)',
      tags: ['self-service'],
      security: 'bearer',
      middleware: [self],
      responses: { 200: { description: 'Your data', schema: selfServiceView } },
      handler: async ({ ctx }) => ({ status: 200, body: await service.selfView(helperOf(ctx.state)), headers: noStore }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/helpers/me',
      summary: 'Change availability, skills, resources, or pause',
      tags: ['self-service'],
      security: 'bearer',
      middleware: [self],
      body: selfServicePatch,
      responses: { 200: { description: 'Your data after the change', schema: selfServiceView } },
      handler: async ({ body, ctx }) => {
        const helper = await service.update(helperOf(ctx.state), body);
        return { status: 200, body: await service.selfView(helper), headers: noStore };
      },
    }),
    // Registering again through another incident's appeal link answers 409 with a pointer here:
    // only the self-service token proves it is the same person, not an e-mail address anyone can type.
    defineRoute({
      method: 'post',
      path: joinIncidentPath,
      summary: 'Make myself available for another incident as well, with my consent for it',
      tags: ['self-service'],
      security: 'bearer',
      middleware: [self],
      body: joinIncidentBody,
      responses: {
        201: { description: 'Joined; your data with the incidents you are available for', schema: selfServiceView },
        200: { description: 'You were available for this incident already; the consent is recorded again', schema: selfServiceView },
        409: { description: 'The incident has ended' },
      },
      handler: async ({ body, ctx }) => {
        const { helper, created } = await service.joinIncident(helperOf(ctx.state), body);
        return { status: created ? 201 : 200, body: await service.selfView(helper), headers: noStore };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/helpers/me',
      summary: 'Erase my personal data',
      tags: ['self-service'],
      security: 'bearer',
      middleware: [self],
      responses: { 204: { description: 'Erased; the token no longer works' } },
      handler: async ({ ctx }) => {
        await service.erase(helperOf(ctx.state).id, 'self-service', ctx.state.requestId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/helpers/me/push-subscriptions',
      summary: 'Receive Web Push notifications on this browser (needs the consent purpose notify-push)',
      tags: ['self-service'],
      security: 'bearer',
      middleware: [self],
      body: pushSubscriptionBody,
      responses: {
        201: { description: 'Subscribed', schema: selfServiceView },
        200: { description: 'This subscription was known already; its keys are renewed', schema: selfServiceView },
        409: { description: 'No consent to notify-push yet, or Web Push is not configured here' },
      },
      handler: async ({ body, ctx }) => {
        const helper = helperOf(ctx.state);
        const created = await service.subscribePush(helper, body);
        return { status: created ? 201 : 200, body: await service.selfView(helper), headers: noStore };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/helpers/me/push-subscriptions',
      summary: 'Stop Web Push notifications to this browser',
      tags: ['self-service'],
      security: 'bearer',
      middleware: [self],
      query: pushSubscriptionQuery,
      responses: { 204: { description: 'Unsubscribed (also when it was not subscribed)' } },
      handler: async ({ query, ctx }) => {
        await service.unsubscribePush(helperOf(ctx.state), query.endpoint);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/push-subscriptions/renewals',
      summary: 'A browser replaced a push subscription on its own (the service worker, which holds no token, proves the old one with its auth secret)',
      tags: ['self-service'],
      body: pushRenewalBody,
      middleware: [options.limits.address],
      responses: {
        204: { description: 'The new subscription replaces the old one' },
        404: { description: 'No subscription with this endpoint and auth secret (or its helper no longer consents to notify-push)' },
      },
      handler: async ({ body }) => {
        await service.renewPush(body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/helpers',
      summary: 'Find helpers (coordinators): only what coordination needs, no contact details',
      tags: ['coordination'],
      security: 'bearer',
      middleware: [coordinator, logPersonalDataAccess('find helpers')],
      query: helperListQuery,
      responses: { 200: { description: 'A page of helpers', schema: helperList } },
      handler: async ({ query }) => ({ status: 200, body: await service.list(query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/helpers/:id/contact',
      summary: "A helper's contact details (coordinators); every access is logged with its reason",
      tags: ['coordination'],
      security: 'bearer',
      middleware: [coordinator, logPersonalDataAccess('contact details')],
      params: helperIdParams,
      query: contactQuery,
      responses: { 200: { description: 'Contact details', schema: contactView } },
      handler: async ({ params, query, ctx }) => {
        const principal = ctx.state.principal;
        if (principal === undefined) throw new UnauthorizedError();
        const contact = await service.contact(params.id, principal, query.reason, ctx.state.requestId);
        ctx.state.log.info({ helperId: params.id, subject: principal.subject, reason: query.reason }, 'contact details accessed');
        return { status: 200, body: contact, headers: noStore };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/incidents/:id',
      summary: 'Record when an incident ended (authorities); retention counts from then',
      tags: ['administration'],
      security: 'bearer',
      middleware: [requireRole(verify, 'authority')],
      params: incidentParams,
      body: incidentBody,
      responses: { 204: { description: 'Recorded' } },
      handler: async ({ params, body }) => {
        await service.setIncident(params.id, body.endedAt === null ? null : new Date(body.endedAt));
        return { status: 204 };
      },
    }),
  ];
}
