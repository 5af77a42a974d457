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
import { forwardAuthRoute } from './forward-auth.js';
import { readiness } from './readiness.js';
import { refreshCookie } from './refresh-cookie.js';
import { revocationFeedRoute } from './revocations.js';
import { route } from './route.js';
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
      schema: { body: schema.loginBody, response: { 200: schema.tokenPairAnswer } },
      handler: async (req, reply) => cookie.issued(reply, await login(deps, req.body, ctx(req))),
    }),
    cookie.route(
      route({
        method: 'POST',
        url: '/auth/token/refresh/',
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
      schema: { response: { 200: schema.logoutAllAnswer } },
      handler: async (req) => {
        const user = await caller(req);
        return { message: MESSAGES.loggedOutAll, sessions_revoked: await logoutAll(deps, user.id, ctx(req)) };
      },
    }),
    route({ method: 'GET', url: '/auth/me/', schema: { response: { 200: schema.meAnswer } }, handler: (req) => caller(req) }),
    route({
      method: 'GET',
      url: JWKS_PATH,
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
      schema: { response: { 200: schema.statusAnswer } },
      handler: async () => ({ status: 'ok' }),
    }),
    route({
      method: 'GET',
      url: '/auth/health/ready/',
      schema: { response: { 200: schema.statusAnswer } },
      handler: async () => {
        await readiness(deps);
        return { status: 'ok' };
      },
    }),
  ];
}
