// A route whose handler is typed by its own schemas: the body it receives is the type derived
// from the request schema, and what it returns must fit the 200 answer's schema (protocol's
// FromSchema), so no handler casts a body and no answer can drift from its schema.
// Every route also carries its documentation (`docs`, required): the OpenAPI document
// (openapi.ts) is generated from these definitions, and its examples are type-checked against
// the same schemas. A new route is documented by filling in `docs`; openapi.test.ts fails for
// any registered route that is not.
import type { ErrorCode, FromSchema, JsonSchema } from '@auth-service/protocol';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

interface RouteSchema {
  body?: JsonSchema;
  response: { 200: JsonSchema };
}

type BodyOf<S extends RouteSchema> = S['body'] extends JsonSchema ? FromSchema<S['body']> : undefined;

/** The OpenAPI tags, in the order the docs page lists them (openapi.ts describes each). */
export const TAGS = ['tokens', 'sessions', 'keys', 'gateway', 'health', 'docs'] as const;

/** What the document says of a route beyond its schemas. */
export interface DocsBase {
  summary: string;
  description?: string;
  tag: (typeof TAGS)[number];
  /** Who may call: an access token ('bearer'), REVOCATION_FEED_TOKEN ('feed'); omitted: anyone. */
  auth?: 'bearer' | 'feed';
  /**
   * The error codes this route itself can answer with. Those of every route (internal_error,
   * service_unavailable while shutting down) and of every body (validation_error,
   * payload_too_large, unsupported_media_type) are added by openapi.ts.
   */
  errors: readonly ErrorCode[];
  /** Query parameters the handler reads itself (documented only; the handler validates them). */
  query?: Readonly<Record<string, { description: string; pattern?: string }>>;
  /** A 200 that is not JSON (the revocation feed's event stream). */
  stream?: { contentType: string; description: string; example: string };
}

export interface RouteDocs<S extends RouteSchema> extends DocsBase {
  /** A 200 answer, as the handler would return it. */
  example: FromSchema<S['response'][200]>;
  bodyExample?: BodyOf<S>;
}

export interface TypedRoute<S extends RouteSchema> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  schema: S;
  config?: Record<string, unknown>;
  docs: RouteDocs<S>;
  handler: (request: FastifyRequest & { body: BodyOf<S> }, reply: FastifyReply) => Promise<FromSchema<S['response'][200]>>;
}

export function route<const S extends RouteSchema>({ docs, ...definition }: TypedRoute<S>): RouteOptions {
  return { ...definition, config: { ...definition.config, docs } } as unknown as RouteOptions;
}

/** The docs a route carries (route() puts them in its config), or undefined: an undocumented route. */
export function docsOf(options: { config?: unknown }): (DocsBase & { example?: unknown; bodyExample?: unknown }) | undefined {
  return (options.config as { docs?: RouteDocs<RouteSchema> } | undefined)?.docs;
}

/** What a route that reads a Bearer access token can answer with. */
export const BEARER_ERRORS = ['not_authenticated', 'bad_authorization_header', 'token_not_valid', 'user_inactive'] as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by route() (or by hand on a route route() cannot type, such as the event stream). */
    docs?: DocsBase;
  }
}
