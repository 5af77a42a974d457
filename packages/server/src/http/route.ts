// A route whose handler is typed by its own schemas: the body it receives is the type derived
// from the request schema, and what it returns must fit the 200 answer's schema (protocol's
// FromSchema), so no handler casts a body and no answer can drift from its schema.
import type { FromSchema, JsonSchema } from '@auth-service/protocol';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

interface RouteSchema {
  body?: JsonSchema;
  response: { 200: JsonSchema };
}

type BodyOf<S extends RouteSchema> = S['body'] extends JsonSchema ? FromSchema<S['body']> : undefined;

export interface TypedRoute<S extends RouteSchema> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  schema: S;
  config?: Record<string, unknown>;
  handler: (request: FastifyRequest & { body: BodyOf<S> }, reply: FastifyReply) => Promise<FromSchema<S['response'][200]>>;
}

export function route<const S extends RouteSchema>(definition: TypedRoute<S>): RouteOptions {
  return definition as unknown as RouteOptions;
}
