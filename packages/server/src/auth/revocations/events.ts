// The feed's Server-Sent Events, formatted once per revocation and written to every subscriber
// as the same string (protocol/revocations.ts describes the format).
import { FEED_EVENTS, type ReadyEvent, type RevokedEvent } from '@auth-service/protocol';
import type { RevocationRow } from '../../db/repos/revocations.js';

/** How long a revocation matters: a token minted just before it lives this long (TTL + leeway). */
export function revokedEvent(row: RevocationRow, windowMs: number): string {
  const data: RevokedEvent = { sid: row.sessionId, exp: Math.ceil((row.revokedAt.getTime() + windowMs) / 1000) };
  return `event: ${FEED_EVENTS.revoked}\nid: ${row.id}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function readyEvent(cursor: string, heartbeatMs: number): string {
  const data: ReadyEvent = { cursor, heartbeat_ms: heartbeatMs };
  return `event: ${FEED_EVENTS.ready}\nid: ${cursor}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by every SSE parser, proof of life for ours. */
export const HEARTBEAT = ': ok\n\n';

/** The reconnection delay a standard EventSource should use (ours decides for itself). */
export const RETRY_HINT = 'retry: 1000\n\n';
