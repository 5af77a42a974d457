// Every answer counted and timed by its route template ("/auth/login/"), never its raw path: a
// path no route matches counts as "unmatched", so scanning random URLs adds no series.
import type { FastifyInstance } from 'fastify';
import { templateOf } from './methods.js';

export interface HttpMetrics {
  request(method: string, route: string, status: number, seconds: number): void;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function registerRequestMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // A 405 of a served path is answered by the not-found handler: counted under that path's template.
    const route = request.is404 ? (templateOf(request) ?? 'unmatched') : (request.routeOptions.url ?? 'unmatched');
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    metrics.request(method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}
