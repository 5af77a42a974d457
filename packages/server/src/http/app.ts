// buildApp(deps) assembles the HTTP application: routes, schemas, error mapping, headers.
// It opens no port, so tests drive it with app.inject(); server.ts adds TLS and listening.
import { randomUUID } from 'node:crypto';
import { FORMATS, MESSAGES } from '@auth-service/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Config } from '../config/config.js';
import { AuthError } from '../errors.js';
import type { AppLogger } from '../logger.js';
import type { Services } from '../runtime.js';
import { answerClientError } from './client-errors.js';
import { registerCors } from './cors.js';
import { notReadyWhileDraining } from './drain.js';
import { sendError } from './errors.js';
import { registerSecurityHeaders, withSecurityHeaders } from './headers.js';
import { isHttp1 } from './http2.js';
import { type AllowTable, answerUnrouted, registerPath } from './methods.js';
import { registerOpenapi } from './openapi/document.js';
import { openapiRoute, registerDocsPage } from './openapi/routes.js';
import { registerRequestChecks } from './request-checks.js';
import { type HttpMetrics, registerRequestMetrics } from './request-metrics.js';
import { routeTable } from './routes.js';

export interface AppOptions {
  /** The process logger; without it the app logs nothing (tests). */
  logger?: AppLogger;
  /** Extra server options (https, timeouts) from server.ts. */
  server?: Partial<FastifyServerOptions> & { https?: unknown };
  /** Counts and times every answer (METRICS_PORT). */
  metrics?: HttpMetrics;
}

export function buildApp(deps: Services & { config: Config }, options: AppOptions = {}): FastifyInstance {
  const { http } = deps.config;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Two log lines per request cost real throughput; the audit trail records what matters.
    logController: new LogController({ disableRequestLogging: !deps.config.accessLog }),
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: http.bodyLimit,
    trustProxy: http.trustProxy.length > 0 ? [...http.trustProxy] : false,
    requestIdHeader: false, // ids are ours: a client-chosen id could forge log lines
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    return503OnClosing: false, // refuseWhileClosing answers in our own error format
    // A URL the router cannot decode (GET /auth/me/%) is a 400 in our format, with our headers.
    frameworkErrors: (err, request, reply) =>
      sendError(
        new AuthError('validation_error', `Malformed URL: ${err.message}`, { cause: err }),
        request,
        withSecurityHeaders(reply),
      ),
    requestTimeout: http.requestTimeoutMs,
    clientErrorHandler: answerClientError, // what the HTTP parser refuses, in our format
    ajv: {
      customOptions: { coerceTypes: false, allErrors: true, removeAdditional: false, verbose: true },
      plugins: [addFormats],
    },
    ...(options.server as object),
  }) as unknown as FastifyInstance;

  // JSON only: Fastify's text/plain parser goes, so any other media type is a 415.
  app.removeContentTypeParser('text/plain');
  acceptEmptyJsonBody(app);
  if (options.metrics) registerRequestMetrics(app, options.metrics);
  registerSecurityHeaders(app);
  registerRequestChecks(app); // after the header hook: its 400 and 414 carry them
  registerCors(app, http.corsOrigins, http.refreshCookie);
  refuseWhileClosing(app); // after the header hooks: its 503 carries them too
  // Feed streams never go idle: closing the server would wait for them until SHUTDOWN_TIMEOUT.
  app.addHook('preClose', async () => deps.revocations.disconnectAll());
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  const allow: AllowTable = [];
  app.setNotFoundHandler(answerUnrouted(allow)); // 404, 405 with Allow, or 501

  notReadyWhileDraining(app);
  // The document is generated from the routes as they register, so its plugin comes first.
  registerOpenapi(app);
  if (deps.config.docsPage) registerDocsPage(app);
  app.register(async (scope) => {
    for (const route of [...routeTable(deps), openapiRoute(app)]) {
      scope.route(route);
      registerPath(scope, allow, route.url, route.method as string, route.exposeHeadRoute !== false);
    }
  });
  return app;
}

/**
 * Once shutdown has begun, requests that arrive on kept-alive connections get a 503 with
 * Retry-After (another instance, or this one restarted, will answer); requests already in
 * flight finish normally. Every answer sent then closes its connection: closing the server
 * reaps only the connections idle at that moment, and one whose request was still running
 * would otherwise stay open until keepAliveTimeout, holding the exit past SHUTDOWN_TIMEOUT.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new AuthError('service_unavailable', MESSAGES.shuttingDown, { retryAfterSeconds: 1 });
  });
  app.addHook('onSend', async (request, reply) => {
    // HTTP/2 sessions get a GOAWAY instead (http/http2.ts).
    if (closing && isHttp1(request)) reply.header('connection', 'close');
  });
}

/**
 * An empty body sent as JSON reads as `{}`, so that the schema names each missing field, as the
 * original service did ({"username": ["This field is required."], ...}). Anything else goes
 * to Fastify's own parser, which keeps its prototype-poisoning guard; what it refuses is our
 * 400, saying where the JSON broke (read again with JSON.parse, on the error path only).
 */
function acceptEmptyJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {});
    parseJson(request, body as string, (err, value) => {
      if (!err) return done(null, value);
      done(new AuthError('validation_error', `JSON parse error - ${syntaxErrorOf(body as string)}`, { cause: err }), undefined);
    });
  });
}

function syntaxErrorOf(body: string): string {
  try {
    JSON.parse(body);
    return 'invalid JSON';
  } catch (err) {
    return (err as Error).message;
  }
}

/** The string formats the protocol's schemas name (protocol/rules.ts). */
type StringFormat = { type: 'string'; validate: (value: string) => boolean };
function addFormats<A extends { addFormat(name: string, format: StringFormat): unknown }>(ajv: A): A {
  for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}
