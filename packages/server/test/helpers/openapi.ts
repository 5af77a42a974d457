// The OpenAPI document as a test oracle: which routes it lists, and whether an answer fits the
// response schema it gives for that path, method and status (Ajv, JSON Schema 2020-12, the
// dialect of OpenAPI 3.1 schemas).
import { FORMATS } from '@auth-service/protocol';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RouteOptions } from 'fastify';
import type { Answer } from './endpoint.js';

export interface OpenapiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}
interface Operation {
  summary?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: object; example?: unknown }> }>;
  requestBody?: { content: Record<string, { schema: object; example?: unknown }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** A route's URL as the document spells it: `/auth/sessions/:id/` → `/auth/sessions/{id}/`. */
const docPath = (url: string): string => url.replace(/:([A-Za-z_]\w*)/g, '{$1}');

/** The path template the document lists a concrete request path under. */
export function operationOf(doc: OpenapiDocument, method: string, path: string): Operation | undefined {
  const concrete = path.split('?')[0] as string;
  const template = Object.keys(doc.paths).find((t) => t === concrete || templateRegExp(t).test(concrete));
  return template === undefined ? undefined : doc.paths[template]?.[method.toLowerCase()];
}

function templateRegExp(template: string): RegExp {
  const literal = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('[^/]+')}$`);
}

/** Every route the app registered that the document does not describe (summary and a 200 answer). */
export function undocumentedRoutes(routes: readonly RouteOptions[], doc: OpenapiDocument, hiddenUnder: string): string[] {
  const missing: string[] = [];
  for (const route of routes) {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat().map((m) => m.toLowerCase())) {
      if (!METHODS.includes(method)) continue; // HEAD and OPTIONS follow their GET and are not operations
      const op = doc.paths[docPath(route.url)]?.[method];
      if (hidden) {
        // Hidden: only the other-method (405) answers of a documented path, and the docs page's assets.
        if (!doc.paths[docPath(route.url)] && !route.url.startsWith(hiddenUnder)) missing.push(`${method} ${route.url} (hidden)`);
        continue;
      }
      if (!op?.summary || !op.responses['200']?.content) missing.push(`${method} ${route.url}`);
    }
  }
  return missing;
}

/** Every operation the document lists that no registered route serves. */
export function phantomOperations(routes: readonly RouteOptions[], doc: OpenapiDocument): string[] {
  const served = new Set(routes.flatMap((r) => [r.method].flat().map((m) => `${m.toLowerCase()} ${docPath(r.url)}`)));
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => METHODS.includes(m) && !served.has(`${m} ${path}`))
      .map((m) => `${m} ${path}`),
  );
}

export function answerChecker(doc: OpenapiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  return {
    /** Why this answer does not fit the document, or null when it does. */
    problem(method: string, path: string, res: Answer): string | null {
      const op = operationOf(doc, method, path);
      if (!op) return `${method} ${path} is not in the document`;
      const response = op.responses[String(res.status)];
      if (!response) return `${method} ${path}: status ${res.status} is not documented (${Object.keys(op.responses)})`;
      const media = response.content?.['application/json'];
      if (!media) return null; // not JSON (the event stream)
      const validate = ajv.compile(media.schema);
      return validate(res.body) ? null : `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)} in ${res.raw}`;
    },
    /** Every example of the document that does not fit its own schema. */
    badExamples(): string[] {
      const bad: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const medias = [
            ...Object.entries(op.responses).map(([status, r]) => [status, r.content?.['application/json']] as const),
            ['body', op.requestBody?.content['application/json']] as const,
          ];
          for (const [where, media] of medias) {
            if (!media || media.example === undefined) continue;
            if (!ajv.validate(media.schema, media.example)) bad.push(`${method} ${path} ${where}: ${ajv.errorsText()}`);
          }
        }
      }
      return bad;
    },
  };
}

/** Keywords OpenAPI 3.0 had and 3.1 dropped: validators of 3.1 ignore them silently. */
export function droppedKeywords(value: unknown, at = '#'): string[] {
  if (!value || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'nullable' || key === 'x-nullable') found.push(`${at}/${key}`);
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof inner === 'boolean') found.push(`${at}/${key}`);
    found.push(...droppedKeywords(inner, `${at}/${key}`));
  }
  return found;
}
