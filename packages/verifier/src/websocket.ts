// @auth-service/verifier/websocket: WebSockets authenticated like any request, for Node's
// `upgrade` event (with `ws`'s handleUpgrade, or any server that hands over the socket).
// - The token is checked before the 101: a refused upgrade is answered 401/503 and closed, so
//   no unauthenticated socket ever exists.
// - It comes from `Authorization: Bearer …` or, for browsers (which cannot set headers on a
//   WebSocket), from a subprotocol `auth-service.bearer.<token>` offered next to
//   `auth-service`; never from the query string, which ends up in access logs. The server
//   answers with `auth-service`, never echoing the token back (selectProtocol).
// - An open socket is closed when its token expires (4401) and when its session is revoked
//   (4403): codes of their own, so that a client gets a new token instead of reconnecting in a
//   loop with the old one.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AccessClaims } from '@auth-service/protocol';
import { bearerTokenOf } from './bearer.js';
import { refusalAnswer } from './http-answer.js';
import type { Verifier } from './verifier.js';

export const WS_PROTOCOL = 'auth-service';
export const WS_TOKEN_PREFIX = 'auth-service.bearer.';
export const WS_CLOSE = { expired: 4401, revoked: 4403 } as const;

/** The subprotocols a browser offers: `new WebSocket(url, wsProtocols(token))`. */
export const wsProtocols = (token: string, ...others: string[]) => [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${token}`, ...others];

/** The protocol to answer with (ws's handleProtocols): the first offered that is not a token. */
export function selectProtocol(offered: Iterable<string>): string | false {
  for (const protocol of offered) if (!protocol.startsWith(WS_TOKEN_PREFIX)) return protocol;
  return false;
}

/** The token of an upgrade request: the Authorization header first, else the subprotocol. */
export function upgradeToken(req: IncomingMessage): string {
  if (req.headers.authorization !== undefined) return bearerTokenOf(req.headers.authorization);
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const carried = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX));
  return bearerTokenOf(carried === undefined ? undefined : `Bearer ${carried.slice(WS_TOKEN_PREFIX.length)}`);
}

/**
 * The claims of the upgrade's token, or null once the refusal has been written to the socket
 * (which is then closed): call it first thing in the `upgrade` handler.
 */
export async function authenticateUpgrade(
  verifier: Verifier,
  req: IncomingMessage,
  socket: Duplex,
  options: { realm?: string } = {},
): Promise<AccessClaims | null> {
  try {
    return await verifier.verify(upgradeToken(req));
  } catch (err) {
    refuseUpgrade(socket, refusalAnswer(err, options.realm));
    return null;
  }
}

function refuseUpgrade(socket: Duplex, answer: ReturnType<typeof refusalAnswer>): void {
  const body = JSON.stringify(answer.body);
  const headers = {
    ...answer.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  const reason = answer.status === 401 ? 'Unauthorized' : answer.status === 503 ? 'Service Unavailable' : 'Error';
  socket.end(`HTTP/1.1 ${answer.status} ${reason}\r\nconnection: close\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
  socket.once('finish', () => socket.destroy());
}

/** What watchSocket needs of a WebSocket (ws's WebSocket has it). */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Closes `socket` when the token's claims expire (4401) or its session is revoked (4403,
 * checked every `revocationCheckMs`, default 1 s, against the verifier's revocation feed).
 * Returns a function that stops watching (called by itself when the socket closes).
 */
export function watchSocket(
  verifier: Pick<Verifier, 'expiresAt' | 'now' | 'isRevoked'>,
  socket: ClosableSocket,
  claims: Pick<AccessClaims, 'exp' | 'sid'>,
  options: { revocationCheckMs?: number } = {},
): () => void {
  const timers: NodeJS.Timeout[] = [];
  const stop = () => {
    for (const timer of timers) clearTimeout(timer);
  };
  const close = (code: number, reason: string) => {
    stop();
    socket.close(code, reason);
  };
  // setTimeout's longest delay is 2^31 - 1 ms: a later expiry is checked again then.
  const armExpiry = () => {
    const left = verifier.expiresAt(claims) - verifier.now();
    if (left <= 0) return close(WS_CLOSE.expired, 'token expired');
    timers[0] = setTimeout(armExpiry, Math.min(left, 2 ** 31 - 1));
  };
  armExpiry();
  timers[1] = setInterval(() => {
    if (verifier.isRevoked(claims.sid)) close(WS_CLOSE.revoked, 'session revoked');
  }, options.revocationCheckMs ?? 1000);
  socket.once('close', stop);
  return stop;
}
