// GET /auth/openapi.json (always: it describes only what the routes already tell anyone who
// calls them) and the docs page at /auth/docs/ (unless DOCS_PAGE=false): Swagger UI, its
// assets served from the @fastify/swagger-ui package, so the page needs no internet. Its
// Content-Security-Policy lets it load only from this origin.

import { openapiAnswer } from '@auth-service/protocol';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { route } from '../route.js';
import { OPENAPI_PATH } from './document.js';

export const DOCS_PAGE_PATH = '/auth/docs';

// Swagger UI sets inline styles from script (style-src 'unsafe-inline'); its logo is a data: URL.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function openapiRoute(app: FastifyInstance): RouteOptions {
  return route({
    method: 'GET',
    url: OPENAPI_PATH,
    docs: {
      tag: 'docs',
      summary: 'This OpenAPI 3.1 document',
      errors: [],
      example: { openapi: '3.1.0', info: { title: 'auth-service', version: '0.1.0' }, paths: {} },
    },
    schema: { response: { 200: openapiAnswer } },
    handler: async () => app.swagger() as unknown as { openapi: string; info: unknown; paths: unknown },
  });
}

export function registerDocsPage(app: FastifyInstance): void {
  app.register(swaggerUi, {
    routePrefix: DOCS_PAGE_PATH,
    staticCSP: DOCS_CSP,
    theme: { title: 'auth-service API' },
    uiConfig: { deepLinking: true, docExpansion: 'list', tryItOutEnabled: false },
  });
}
