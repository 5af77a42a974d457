// @auth-service/verifier: trust auth-service access tokens (see README.md and docs/verifier.md).
// The Fastify plugin, the Express/Connect middleware and the WebSocket helpers are the
// subpaths ./fastify, ./express and ./websocket; forged tokens for tests are ./testing.
export { isVerifierError, VERIFIER_REASONS, VerifierError, type VerifierErrorCode, type VerifierReason } from './errors.js';
export { type RefusalAnswer, refusalAnswer } from './http-answer.js';
export { decodeJsonSegment, encodeSegment, hs256, splitCompact, toLowS, verifySignature } from './jws.js';
export type { KeyLookup, VerificationKey } from './keys.js';
export { sharedSecretKey } from './keys.js';
export type { VerifierOptions } from './options.js';
export { REFUSALS, type Refusal } from './refusals.js';
export {
  openRevocationFeed,
  type RevocationFeed,
  type RevocationFeedOptions,
  type RevocationFeedStatus,
} from './revocations.js';
export { type SseEvent, SseParser } from './sse.js';
export { timeRefusal } from './times.js';
export { type ClaimsOf, type ValidateOptions, type Validation, validateToken } from './validate.js';
export { type Verified, VerifiedCache } from './verified-cache.js';
export { createVerifier, type Verifier } from './verifier.js';
