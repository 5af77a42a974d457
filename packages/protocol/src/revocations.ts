// The revocation feed's wire format, shared by the server that writes it and the verifier that
// reads it: Server-Sent Events (WHATWG HTML, "Server-sent events") on one long GET.
//
//   event: revoked            one per revoked session, in commit order
//   id: 42                    the resume cursor: send it back as Last-Event-ID on reconnect
//   data: {"sid":"<uuid>","exp":1700000300}
//
//   event: ready              the backlog (snapshot or resume) is sent; live events follow
//   data: {"cursor":"42","heartbeat_ms":5000}
//
//   : ok                      a heartbeat, sent while the server's own view is fresh
//
// `exp` is when the revocation stops mattering (seconds since the epoch): after it, every
// access token of that session has expired anyway, so a subscriber may forget the session.

export const REVOCATION_FEED_PATH = '/auth/revocations/';

/** The event types a subscriber must understand; others are ignored (forward compatibility). */
export const FEED_EVENTS = { revoked: 'revoked', ready: 'ready' } as const;

export interface RevokedEvent {
  sid: string;
  /** Seconds since the epoch after which no token of the session can pass the exp check. */
  exp: number;
}

export interface ReadyEvent {
  /** The cursor of the last event sent ("0" when there was none). */
  cursor: string;
  /** How often the server sends a heartbeat: a subscriber that hears nothing for a few of these reconnects. */
  heartbeat_ms: number;
}

/** A cursor is the decimal id of a revocation: what Last-Event-ID may carry. */
export const CURSOR_PATTERN = /^\d{1,18}$/;
