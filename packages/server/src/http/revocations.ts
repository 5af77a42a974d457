// GET /auth/revocations/: the revocation feed, as Server-Sent Events (protocol/revocations.ts).
// Readable only with REVOCATION_FEED_TOKEN as a Bearer credential; resumes after the cursor a
// reconnecting client sends as Last-Event-ID (what EventSource does) or as ?after=. Every
// refusal happens before the stream opens, as an ordinary JSON error answer.
import type { OutgoingHttpHeaders } from 'node:http';
import { CURSOR_PATTERN, FEED_EVENTS, MESSAGES, REVOCATION_FEED_PATH } from '@auth-service/protocol';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { feedTokenMatches } from '../auth/revocations/credential.js';
import type { RevocationFeed } from '../auth/revocations/feed.js';
import { AuthError, invalidField } from '../errors.js';
import { bearerToken } from './bearer.js';
import type { DocsBase } from './route.js';

export function revocationFeedRoute(feed: RevocationFeed): RouteOptions {
  return {
    method: 'GET',
    url: REVOCATION_FEED_PATH,
    // A HEAD would open a stream with no body that never ends, holding a subscriber slot.
    exposeHeadRoute: false,
    config: { docs: FEED_DOCS },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const token = feed.policy.token;
      if (!feed.enabled || token === undefined) throw new AuthError('feed_disabled', MESSAGES.feedDisabled);
      if (!feedTokenMatches(token, bearerToken(request))) {
        throw new AuthError('feed_token_invalid', MESSAGES.feedTokenInvalid);
      }
      const open = await feed.admit(cursorOf(request));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as OutgoingHttpHeaders), // the security headers the hooks set
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no', // nginx: pass events through at once, do not buffer them
      });
      // Events are small and latency is the point: no Nagle delay.
      res.socket?.setNoDelay(true);
      void open(res);
      return reply;
    },
  };
}

const FEED_DOCS: DocsBase = {
  tag: 'keys',
  summary: 'The revocation feed: revoked sessions as Server-Sent Events',
  description:
    'For verifiers that refuse revoked sessions without a database read (@auth-service/verifier). Resumes after the cursor sent as Last-Event-ID or ?after=. Off (404 feed_disabled) unless REVOCATION_FEED_TOKEN is set.',
  auth: 'feed',
  errors: [
    'feed_disabled',
    'feed_token_invalid',
    'not_authenticated',
    'bad_authorization_header',
    'validation_error',
    'too_many_subscribers',
  ],
  query: { after: { description: 'Resume after this event id (as Last-Event-ID).', pattern: CURSOR_PATTERN.source } },
  stream: {
    contentType: 'text/event-stream',
    description: `A "${FEED_EVENTS.ready}" event once caught up, then a "${FEED_EVENTS.revoked}" event per revoked session, and heartbeats.`,
    example: `event: ${FEED_EVENTS.revoked}\nid: 1017\ndata: {"sid":"0b6c3f8e-5a55-4a1f-9d0c-7f6e2b1d4c3a","exp":1767225900}\n\n`,
  },
};

function cursorOf(request: FastifyRequest): string | null {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.after;
  const raw = typeof header === 'string' && header !== '' ? header : query;
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !CURSOR_PATTERN.test(raw)) {
    throw invalidField('after', 'A cursor is the decimal id of an event (Last-Event-ID).');
  }
  return raw;
}
