// The self-service routes: a user's own sessions and password, all behind the Bearer access
// token of one of the user's sessions.
import * as schema from '@auth-service/protocol';
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { RequestContext } from '../auth/context.js';
import { changePassword } from '../auth/password-change.js';
import { endSession, listSessions } from '../auth/sessions.js';
import type { Identity } from '../auth/verify.js';
import type { Services } from '../runtime.js';
import { route } from './route.js';

type Caller = (request: FastifyRequest) => Promise<Identity>;
type Context = (request: FastifyRequest) => RequestContext;

export function sessionRoutes(deps: Services, caller: Caller, ctx: Context): RouteOptions[] {
  return [
    route({
      method: 'GET',
      url: '/auth/sessions/',
      schema: { response: { 200: schema.sessionsAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        return { sessions: await listSessions(deps, user.id, user.sessionId) };
      },
    }),
    route({
      method: 'DELETE',
      url: '/auth/sessions/:id/',
      schema: { response: { 200: schema.emptyAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        await endSession(deps, user.id, (req.params as { id: string }).id, ctx(req));
        return {};
      },
    }),
    route({
      method: 'POST',
      url: '/auth/password/change/',
      schema: { body: schema.passwordChangeBody, response: { 200: schema.logoutAllAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        const ended = await changePassword(deps, user, req.body, ctx(req));
        return { message: schema.MESSAGES.passwordChanged, sessions_revoked: ended };
      },
    }),
  ];
}
