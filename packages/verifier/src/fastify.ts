// @auth-service/verifier/fastify: a Fastify plugin. Every route registered after it in the same
// scope needs a valid access token, whose claims it puts on `request.auth`; a route opts out
// with `config: { auth: false }`. Written against Fastify's plugin contract, not its code: the
// verifier depends on no framework.
import type { AccessClaims } from '@auth-service/protocol';
// Types only (for the FastifyRequest augmentation below): nothing of Fastify is loaded.
import type {} from 'fastify';
import { refusalAnswer } from './http-answer.js';
import type { Verifier } from './verifier.js';

export interface FastifyAuthOptions {
  verifier: Verifier;
  /** The realm of the WWW-Authenticate challenge (default "api"). */
  realm?: string;
}

interface Request {
  headers: Record<string, string | string[] | undefined>;
  routeOptions?: { config?: unknown };
  auth?: AccessClaims | null;
}
interface Reply {
  code(status: number): Reply;
  headers(values: Record<string, string>): Reply;
  send(body: unknown): unknown;
}
interface Instance {
  decorateRequest(name: string, value: null): unknown;
  addHook(name: 'onRequest', hook: (request: Request, reply: Reply) => Promise<unknown>): unknown;
}

async function plugin(app: Instance, options: FastifyAuthOptions): Promise<void> {
  const { verifier, realm } = options;
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request, reply) => {
    if ((request.routeOptions?.config as { auth?: unknown } | undefined)?.auth === false) return;
    try {
      request.auth = await verifier.verifyAuthorization(request.headers.authorization);
    } catch (err) {
      const answer = refusalAnswer(err, realm);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
  });
}

// Fastify's own marker (what fastify-plugin sets): the hook applies to the scope that registers
// the plugin, not to a child scope of its own.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'auth-service-verifier' });

export const fastifyAuth = plugin;

declare module 'fastify' {
  interface FastifyRequest {
    /** The claims of the request's access token (null on routes with `config: { auth: false }`). */
    auth: AccessClaims | null;
  }
}
