// The drain delay: between SIGTERM and the moment the listener closes, readiness answers 503
// while every other request is still served. A load balancer or an orchestrator whose endpoint
// list lags behind the signal keeps sending requests for a while; they must find an instance
// that answers them, not a closed port that only the balancer's retry would hide.
import { MESSAGES } from '@auth-service/protocol';
import type { FastifyInstance } from 'fastify';
import { AuthError } from '../errors.js';
import { isHttp1 } from './http2.js';

export const READINESS_PATH = '/auth/health/ready/';

const draining = new WeakSet<FastifyInstance>();

/**
 * Registers the hooks of the delay: readiness answers 503 once `announceDrain` has been called,
 * and every answer closes its connection, so that a client on a kept-alive connection (which a
 * TCP balancer pins to this instance) reconnects through the balancer to another one.
 */
export function notReadyWhileDraining(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!draining.has(app) || request.routeOptions.url !== READINESS_PATH) return;
    throw new AuthError('service_unavailable', MESSAGES.shuttingDown, { retryAfterSeconds: 1 });
  });
  app.addHook('onSend', async (request, reply) => {
    // HTTP/2 has no Connection header: its sessions end with the GOAWAY on close (http/http2.ts).
    if (draining.has(app) && isHttp1(request)) reply.header('connection', 'close');
  });
}

/** Readiness answers 503 from now on; resolves after `delayMs`, during which requests are served. */
export async function announceDrain(app: FastifyInstance, delayMs: number): Promise<void> {
  draining.add(app);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}
