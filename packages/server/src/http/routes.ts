// The whole route table on one screen. Handlers only translate HTTP to use cases and back.
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { AuthDeps, RequestContext } from '../auth/deps.js';
import { JWKS_MAX_AGE_SECONDS } from '../auth/keys.js';
import { login } from '../auth/login.js';
import { logout, logoutAll } from '../auth/logout.js';
import { refresh } from '../auth/refresh.js';
import { authenticate, verifyToken } from '../auth/verify.js';
import { AuthError } from '../errors.js';
import { asBearerError, bearerToken } from './bearer.js';
import * as s from './schemas.js';

// Bodies have passed their schema by the time a handler runs.
const body = <T>(request: FastifyRequest) => request.body as T;

const READY_TIMEOUT_MS = 2000;

export function routeTable(deps: AuthDeps): RouteOptions[] {
  const ctx = (request: FastifyRequest): RequestContext => ({
    clientIp: request.ip,
    userAgent: request.headers['user-agent'],
  });
  const caller = (request: FastifyRequest) =>
    authenticate(deps, bearerToken(request)).catch((err) => Promise.reject(asBearerError(err)));

  return [
    {
      method: 'POST',
      url: '/auth/login/',
      schema: { body: s.loginBody, response: s.tokenPairReply },
      handler: (req) => login(deps, body<{ username: string; password: string }>(req), ctx(req)),
    },
    {
      method: 'POST',
      url: '/auth/token/refresh/',
      schema: { body: s.refreshBody, response: s.refreshReply },
      handler: (req) => refresh(deps, body<{ refresh: string }>(req).refresh, ctx(req)),
    },
    {
      method: 'POST',
      url: '/auth/token/verify/',
      schema: { body: s.verifyBody, response: s.emptyReply },
      handler: async (req) => {
        await verifyToken(deps, body<{ token: string }>(req).token);
        return {};
      },
    },
    {
      method: 'POST',
      url: '/auth/logout/',
      config: { logoutErrors: true },
      schema: { body: s.logoutBody, response: s.messageReply },
      handler: async (req) => {
        await logout(deps, body<{ refresh_token: string }>(req).refresh_token, ctx(req));
        return { message: 'Logged out successfully' };
      },
    },
    {
      method: 'POST',
      url: '/auth/logout/all/',
      schema: { response: s.logoutAllReply },
      handler: async (req) => {
        const user = await caller(req);
        return { message: 'Logged out of all sessions', sessions_revoked: await logoutAll(deps, user.id, ctx(req)) };
      },
    },
    { method: 'GET', url: '/auth/me/', schema: { response: s.meReply }, handler: (req) => caller(req) },
    {
      method: 'GET',
      url: '/auth/.well-known/jwks.json',
      schema: { response: s.jwksReply },
      handler: async (_req, reply: FastifyReply) => {
        // Public keys may be cached, briefly: a rotated-in key must reach verifiers well before
        // the previous one stops being published (docs/security.md, key rotation).
        reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
        reply.removeHeader('pragma');
        return deps.keys.jwks();
      },
    },
    { method: 'GET', url: '/auth/health/live/', schema: { response: s.statusReply }, handler: async () => ({ status: 'ok' }) },
    {
      method: 'GET',
      url: '/auth/health/ready/',
      schema: { response: s.statusReply },
      handler: async () => {
        // Login needs both: the database, and Redis when the throttle counters live there.
        await withTimeout(Promise.all([deps.db.ping(), deps.throttle.ping()]), READY_TIMEOUT_MS);
        return { status: 'ok' };
      },
    },
  ];
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuthError('service_unavailable', 'Database unreachable.', { retryAfterSeconds: 5 })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
