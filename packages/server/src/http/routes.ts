// The whole route table on one screen. Handlers only translate HTTP to use cases and back.
import * as schema from '@auth-service/protocol';
import { MESSAGES } from '@auth-service/protocol';
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { RequestContext } from '../auth/context.js';
import { JWKS_MAX_AGE_SECONDS } from '../auth/keys/operations.js';
import { login } from '../auth/login.js';
import { logout, logoutAll } from '../auth/logout.js';
import { refresh } from '../auth/refresh.js';
import { authenticate, verifyToken } from '../auth/verify.js';
import type { Config } from '../config/config.js';
import type { Services } from '../runtime.js';
import { asBearerError, bearerToken } from './bearer.js';
import { discoveryRoutes, JWKS_PATH } from './discovery.js';
import { EXAMPLE_ACCESS, EXAMPLE_REFRESH } from './examples.js';
import { forwardAuthRoute } from './forward-auth.js';
import { readiness } from './readiness.js';
import { refreshCookie } from './refresh-cookie.js';
import { revocationFeedRoute } from './revocations.js';
import { BEARER_ERRORS, route } from './route.js';
import { sessionRoutes } from './sessions.js';

const ctx = (request: FastifyRequest): RequestContext => ({ clientIp: request.ip, userAgent: request.headers['user-agent'] });

export function routeTable(deps: Services & { config: Config }): RouteOptions[] {
  const cookie = refreshCookie(deps.config);
  const caller = (request: FastifyRequest) =>
    authenticate(deps, bearerToken(request)).catch((err) => Promise.reject(asBearerError(err)));

  return [
    route({
      method: 'POST',
      url: '/auth/login/',
      docs: {
        tag: 'tokens',
        summary: "Log in: a username and password for a new session's token pair",
        description:
          'Unknown user, wrong password and disabled user are one answer (401 no_active_account). Repeated failures are throttled (429 with Retry-After); a full password-hashing queue is a 503 overloaded.',
        errors: ['no_active_account', 'throttled', 'overloaded', 'service_unavailable'],
        bodyExample: { username: 'alice', password: 'correct horse battery staple' },
        example: { refresh: EXAMPLE_REFRESH, access: EXAMPLE_ACCESS },
      },
      schema: { body: schema.loginBody, response: { 200: schema.tokenPairAnswer } },
      handler: async (req, reply) => cookie.issued(reply, await login(deps, req.body, ctx(req))),
    }),
    cookie.route(
      route({
        method: 'POST',
        url: '/auth/token/refresh/',
        docs: {
          tag: 'tokens',
          summary: 'A new access token for a refresh token',
          description:
            'With ROTATE_REFRESH_TOKENS the answer also carries the next refresh token; the one presented is retired, and presenting it again past ROTATION_GRACE_PERIOD revokes the session. With REFRESH_COOKIE the token may come from the cookie instead of the body (then X-Auth-CSRF: 1 and an allowed Origin are required, and a rotated token goes into the cookie only).',
          errors: ['token_not_valid', 'csrf_failed', 'service_unavailable'],
          bodyExample: { refresh: EXAMPLE_REFRESH },
          example: { access: EXAMPLE_ACCESS },
        },
        schema: { body: cookie.body(schema.refreshBody), response: { 200: schema.refreshAnswer } },
        handler: (req, reply) =>
          cookie.withToken(req, reply, 'refresh', req.body.refresh, async (token, fromCookie) =>
            cookie.refreshed(reply, await refresh(deps, token, ctx(req)), fromCookie),
          ),
      }),
    ),
    route({
      method: 'POST',
      url: '/auth/token/verify/',
      docs: {
        tag: 'tokens',
        summary: 'Whether a token (access or refresh) is valid and its session live',
        errors: ['token_not_valid', 'service_unavailable'],
        bodyExample: { token: EXAMPLE_ACCESS },
        example: {},
      },
      schema: { body: schema.verifyBody, response: { 200: schema.emptyAnswer } },
      handler: async (req) => {
        await verifyToken(deps, req.body.token);
        return {};
      },
    }),
    cookie.route(
      route({
        method: 'POST',
        url: '/auth/logout/',
        docs: {
          tag: 'sessions',
          summary: 'Log out: revoke the session of a refresh token',
          description:
            'Every 400 of this route carries {"error": "Token is invalid or already blacklisted"}, as the original service. With REFRESH_COOKIE the token may come from the cookie (CSRF-guarded as for refresh), which is then cleared.',
          errors: ['logout_failed', 'csrf_failed', 'service_unavailable'],
          bodyExample: { refresh_token: EXAMPLE_REFRESH },
          example: { message: MESSAGES.loggedOut },
        },
        config: { logoutErrors: true },
        schema: { body: cookie.body(schema.logoutBody), response: { 200: schema.messageAnswer } },
        handler: async (req, reply) => {
          await cookie.withToken(req, reply, 'refresh_token', req.body.refresh_token, async (token, fromCookie) => {
            await logout(deps, token, ctx(req));
            if (fromCookie) cookie.clear(reply);
          });
          return { message: MESSAGES.loggedOut };
        },
      }),
    ),
    route({
      method: 'POST',
      url: '/auth/logout/all/',
      docs: {
        tag: 'sessions',
        summary: 'Revoke every session of the caller',
        auth: 'bearer',
        errors: [...BEARER_ERRORS, 'service_unavailable'],
        example: { message: MESSAGES.loggedOutAll, sessions_revoked: 2 },
      },
      schema: { response: { 200: schema.logoutAllAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        return { message: MESSAGES.loggedOutAll, sessions_revoked: await logoutAll(deps, user.id, ctx(req)) };
      },
    }),
    route({
      method: 'GET',
      url: '/auth/me/',
      docs: {
        tag: 'sessions',
        summary: 'The user an access token speaks for',
        auth: 'bearer',
        errors: [...BEARER_ERRORS, 'service_unavailable'],
        example: { id: 42, username: 'alice' },
      },
      schema: { response: { 200: schema.meAnswer } },
      handler: (req) => caller(req),
    }),
    route({
      method: 'GET',
      url: JWKS_PATH,
      docs: {
        tag: 'keys',
        summary: 'The public signing keys (JWKS, RFC 7517)',
        description:
          'The next, current and retired-but-still-verifying ES256 keys; cacheable for a few minutes. Empty with HS256.',
        errors: [],
        example: {
          keys: [
            {
              kty: 'EC',
              crv: 'P-256',
              x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
              y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
              kid: 'k-2026-01-01-a1b2',
              alg: 'ES256',
              use: 'sig',
            },
          ],
        },
      },
      schema: { response: { 200: schema.jwksAnswer } },
      handler: async (_req, reply) => {
        // Public keys may be cached, briefly: a rotated-in key must reach verifiers well before
        // the previous one stops being published (docs/security.md, key rotation).
        reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
        reply.removeHeader('pragma');
        return deps.ring.jwks();
      },
    }),
    ...sessionRoutes(deps, caller, ctx),
    revocationFeedRoute(deps.revocations),
    forwardAuthRoute(deps),
    ...discoveryRoutes(deps.config.jwt.issuer, deps.config.jwt.algorithm),
    route({
      method: 'GET',
      url: '/auth/health/live/',
      docs: { tag: 'health', summary: 'Liveness: the process answers', errors: [], example: { status: 'ok' } },
      schema: { response: { 200: schema.statusAnswer } },
      handler: async () => ({ status: 'ok' }),
    }),
    route({
      method: 'GET',
      url: '/auth/health/ready/',
      docs: {
        tag: 'health',
        summary: 'Readiness: the database (and Redis, when set) answer',
        errors: ['service_unavailable'],
        example: { status: 'ok' },
      },
      schema: { response: { 200: schema.statusAnswer } },
      handler: async () => {
        await readiness(deps);
        return { status: 'ok' };
      },
    }),
  ];
}
