// What the feed client does with each event: the data is checked before anything is kept,
// so a broken or hostile stream can neither inject a malformed session id nor move the cursor
// to something the server would not understand.
import { CURSOR_PATTERN, FEED_EVENTS, SID_PATTERN } from '@auth-service/protocol';
import type { SseEvent } from './sse.js';

export interface FeedEvents {
  cursor?: string;
  heartbeatMs: number;
  revoke(sid: string, expMs: number): void;
  caughtUp(): void;
}

export function handleFeedEvent(feed: FeedEvents, event: SseEvent): void {
  const data = parse(event.data);
  if (!data) return;
  if (event.event === FEED_EVENTS.revoked) {
    if (typeof data.sid !== 'string' || !SID_PATTERN.test(data.sid)) return;
    if (typeof data.exp !== 'number' || !Number.isFinite(data.exp)) return;
    feed.revoke(data.sid, data.exp * 1000);
    if (event.id !== undefined && CURSOR_PATTERN.test(event.id)) feed.cursor = event.id;
    return;
  }
  if (event.event === FEED_EVENTS.ready) {
    if (typeof data.cursor === 'string' && CURSOR_PATTERN.test(data.cursor) && data.cursor !== '0') feed.cursor = data.cursor;
    if (typeof data.heartbeat_ms === 'number' && data.heartbeat_ms >= 100 && data.heartbeat_ms <= 600_000) {
      feed.heartbeatMs = data.heartbeat_ms;
    }
    feed.caughtUp();
  }
  // Any other event type: a newer server; ignored.
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
