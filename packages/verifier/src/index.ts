// @auth-service/verifier: trust auth-service access tokens (see README.md).
export { encodeSegment, hs256, splitCompact, toLowS, verifySignature } from './jws.js';
export type { KeyLookup, VerificationKey } from './keys.js';
export { REFUSALS, type Refusal } from './refusals.js';
export {
  openRevocationFeed,
  type RevocationFeed,
  RevocationFeedError,
  type RevocationFeedOptions,
  type RevocationFeedStatus,
} from './revocations.js';
export { type SseEvent, SseParser } from './sse.js';
export { type ClaimsOf, type ValidateOptions, type Validation, validateToken } from './validate.js';
export { type Verified, VerifiedCache } from './verified-cache.js';
