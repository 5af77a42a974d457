// The self-service routes: a user's own sessions and password, all behind the Bearer access
// token of one of the user's sessions.
import * as schema from '@auth-service/protocol';
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { RequestContext } from '../auth/context.js';
import { changePassword } from '../auth/password-change.js';
import { endSession, listSessions } from '../auth/sessions.js';
import type { Identity } from '../auth/verify.js';
import type { Services } from '../runtime.js';
import { BEARER_ERRORS, route } from './route.js';

// No pattern on purpose: a malformed id is the same 404 as another user's (no hint for a guesser).
const SESSION_ID_PARAM = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

type Caller = (request: FastifyRequest) => Promise<Identity>;
type Context = (request: FastifyRequest) => RequestContext;

export function sessionRoutes(deps: Services, caller: Caller, ctx: Context): RouteOptions[] {
  return [
    route({
      method: 'GET',
      url: '/auth/sessions/',
      docs: {
        tag: 'sessions',
        summary: "The caller's live sessions, newest first (at most 1000)",
        description:
          'last_used is coarse: a refresh moves it at most once an hour. current marks the session of the presented token (none for a SimpleJWT token).',
        auth: 'bearer',
        errors: [...BEARER_ERRORS, 'service_unavailable'],
        example: {
          sessions: [
            {
              id: '0f8e5c2a-6b1d-4c3e-9a7f-2d4b6c8e0a1f',
              created: '2026-12-01T09:30:00.000Z',
              last_used: '2026-12-01T10:30:00.000Z',
              client_address: '203.0.113.7',
              user_agent: 'Mozilla/5.0',
              current: true,
            },
          ],
        },
      },
      schema: { response: { 200: schema.sessionsAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        return { sessions: await listSessions(deps, user.id, user.sessionId) };
      },
    }),
    route({
      method: 'DELETE',
      url: '/auth/sessions/:id/',
      docs: {
        tag: 'sessions',
        summary: "End one of the caller's own sessions",
        description:
          "Another user's session, an ended or expired one and an unknown or malformed id get the same 404 session_not_found.",
        auth: 'bearer',
        errors: [...BEARER_ERRORS, 'session_not_found', 'service_unavailable'],
        example: {},
      },
      schema: { params: SESSION_ID_PARAM, response: { 200: schema.emptyAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        await endSession(deps, user.id, (req.params as { id: string }).id, ctx(req));
        return {};
      },
    }),
    route({
      method: 'POST',
      url: '/auth/password/change/',
      docs: {
        tag: 'sessions',
        summary: "Change the caller's own password; every other session ends",
        description:
          'The old password goes through the same throttle as a login (429 throttled after LOGIN_FREE_FAILURES wrong ones); the new one must meet the rules of user create (400 validation_error).',
        auth: 'bearer',
        errors: [...BEARER_ERRORS, 'wrong_password', 'throttled', 'overloaded', 'service_unavailable'],
        bodyExample: { old_password: 'correct horse battery staple', new_password: 'a longer and newer passphrase' },
        example: { message: schema.MESSAGES.passwordChanged, sessions_revoked: 2 },
      },
      schema: { body: schema.passwordChangeBody, response: { 200: schema.logoutAllAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        const ended = await changePassword(deps, user, req.body, ctx(req));
        return { message: schema.MESSAGES.passwordChanged, sessions_revoked: ended };
      },
    }),
  ];
}
