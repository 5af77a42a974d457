// PLACEHOLDER for the revocation-feed client (issue 10, part B, written on another branch):
// the interface createVerifier codes against, and nothing else. Part B's file replaces this
// one whole; until then a verifier given `revocations` fails at creation, saying so.

export interface RevocationFeedOptions {
  /** The auth service's base URL (the verifier passes its own). */
  url: string | URL;
  /** A PEM for a private or self-signed certificate (the verifier passes its own). */
  ca?: string | Buffer;
  /** The credential the operator set in REVOCATION_FEED_TOKEN. */
  token: string;
}

export interface RevocationFeed {
  /** True when the feed has reported the session `sid` revoked. */
  isRevoked(sid: string): boolean;
  status(): Record<string, unknown>;
  close(): Promise<void>;
}

export function openRevocationFeed(_options: RevocationFeedOptions): RevocationFeed {
  throw new Error('the revocation feed is not available yet in this build of @auth-service/verifier');
}
