// @auth-service/protocol: the facts every package shares (see README.md).
export * from './algorithms.js';
export * from './claims.js';
export * from './errors.js';
export * from './limits.js';
export * from './revocations.js';
export * from './rules.js';
export type { FromSchema, JsonSchema } from './schema-types.js';
export * from './schemas.js';
export * from './sessions.js';
