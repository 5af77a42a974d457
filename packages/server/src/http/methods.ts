// How a request no route serves is answered, the same way on every path (RFC 9110 9.1, 15.5.6,
// 15.6.2): a method HTTP does not define is a 501 anywhere; a method it defines is a 405 with
// Allow on a path we serve by another method, and a 404 on a path we do not serve at all.
// (A method Node's parser does not know at all, such as FOO, never gets here: client-errors.ts.)
import { MESSAGES } from '@auth-service/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';
import { sendError } from './errors.js';

/** RFC 9110 9.3 and PATCH (RFC 5789). CONNECT never reaches a route: Node closes it. */
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** Each served path as a pattern (both spellings, any value for a `:param`) and its Allow. */
export type AllowTable = Array<{ path: RegExp; allow: string; url: string }>;

/** The route template of a path answered 405 here, for the request metrics (never the raw path). */
const templates = new WeakMap<FastifyRequest, string>();
export const templateOf = (request: FastifyRequest): string | undefined => templates.get(request);

/** `head`: whether a GET route also answers HEAD (the revocation feed does not). */
export function allowOf(method: string, head = true): string {
  if (method !== 'GET') return `${method}, OPTIONS`;
  return head ? 'GET, HEAD, OPTIONS' : 'GET, OPTIONS';
}

/** Records `url`'s Allow, and answers OPTIONS on it with a 204 carrying that Allow. */
export function registerPath(app: FastifyInstance, table: AllowTable, url: string, method: string, head = true): void {
  const allow = allowOf(method, head);
  table.push({ path: patternOf(url), allow, url });
  app.route({
    method: 'OPTIONS',
    url,
    schema: { hide: true }, // not an operation: the Allow of a documented path
    handler: async (_request, reply) => {
      reply.header('allow', allow).code(204).send();
    },
  });
}

/** The not-found handler: 501, 405 or 404, as above. */
export function answerUnrouted(table: AllowTable) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    if (!HTTP_METHODS.has(request.method)) {
      return sendError(new AuthError('method_not_implemented', MESSAGES.methodNotImplemented), request, reply);
    }
    const path = request.url.split('?')[0] ?? '';
    const served = table.find((entry) => entry.path.test(path));
    if (served === undefined) return sendError(new AuthError('not_found', MESSAGES.notFound), request, reply);
    templates.set(request, served.url);
    reply.header('allow', served.allow);
    sendError(new AuthError('method_not_allowed', `Method "${request.method}" not allowed.`), request, reply);
  };
}

/** `/auth/sessions/:id/` → /^\/auth\/sessions\/[^/]+\/?$/ */
function patternOf(url: string): RegExp {
  const segments = url.replace(/\/$/, '').split('/');
  const body = segments.map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${body.join('/')}/?$`);
}
