// Requests that never reach Fastify: what Node's HTTP parser refuses (malformed request line or
// header, an unknown method, headers past 16 KiB) and its own timeouts (HEADERS_TIMEOUT,
// REQUEST_TIMEOUT). Node and Fastify answer those with their own bodies and none of our headers;
// here they get our JSON error body, its `code`, and the security headers, and the connection
// is closed (the parser's state is unknown: nothing more can be read from it safely).
import type { Socket } from 'node:net';
import { ERROR_STATUS, type ErrorCode, MESSAGES } from '@auth-service/protocol';
import { SECURITY_HEADERS } from './headers.js';

const STATUS_TEXT: Partial<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

/** Node's and llhttp's error codes → ours; anything else the parser refuses is a 400. */
const PARSER_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: MESSAGES.requestTimeout },
  HPE_HEADER_OVERFLOW: { code: 'headers_too_large', message: MESSAGES.headersTooLarge },
  HPE_INVALID_METHOD: { code: 'method_not_implemented', message: MESSAGES.methodNotImplemented },
};
const MALFORMED = { code: 'bad_request', message: MESSAGES.badRequest } as const;

const HEADER_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

type ServerResponseLike = { headersSent?: boolean } | undefined;

/** The server's 'clientError' listener (Fastify's clientErrorHandler option). */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection, or one already closed: nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already on its way cannot be replaced by another: close the connection.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponseLike })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(rawAnswer(err.code));
  socket.destroy();
}

function rawAnswer(nodeCode: string | undefined): string {
  const { code, message } = PARSER_ERRORS[nodeCode ?? ''] ?? MALFORMED;
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ detail: message, code });
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${HEADER_LINES}connection: close\r\n\r\n${body}`
  );
}
