// CORS for the browser frontends named in CORS_ORIGINS, and nobody else. Tokens travel in
// bodies and the Authorization header; only with REFRESH_COOKIE does a credentialed request
// (the refresh cookie) make sense, and then only those origins may send one, with the CSRF
// header that proves it is no cross-site form (http/refresh-cookie.ts).
import type { FastifyInstance } from 'fastify';

const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type';

export function registerCors(app: FastifyInstance, origins: readonly string[], credentials = false): void {
  const allowed = new Set(origins);
  const headers = credentials ? `${ALLOWED_HEADERS}, X-Auth-CSRF` : ALLOWED_HEADERS;
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (!origin || !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', origin);
    if (credentials) reply.header('access-control-allow-credentials', 'true');
    // A throttled or overloaded frontend is told when to try again (the client's retryAfter).
    reply.header('access-control-expose-headers', 'Retry-After');
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      reply.header('access-control-allow-headers', headers);
      reply.header('access-control-max-age', '600');
    }
  });
}
