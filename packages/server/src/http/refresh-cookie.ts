// REFRESH_COOKIE=true: the refresh token also travels in an HttpOnly cookie, so a frontend can
// keep it out of reach of its own scripts (docs/security.md, "Refresh cookie"). Login sets it;
// refresh and logout read it when their body names no token; a refresh from the cookie puts
// the rotated token back into it (and not into the body); logout from the cookie clears it.
// A request that relies on the cookie must prove it is no cross-site forgery: the custom
// header X-Auth-CSRF: 1 (a cross-site form cannot send one, and a cross-origin fetch that does
// needs a CORS preflight only CORS_ORIGINS pass) and an Origin among CORS_ORIGINS.
// With the setting off, none of this runs: the routes are exactly the contract's.
import { MESSAGES } from '@auth-service/protocol';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Config } from '../config/config.js';
import { AuthError, invalidField } from '../errors.js';

/** `__Secure-`: browsers keep it only if it was set over HTTPS with Secure. */
export const REFRESH_COOKIE_NAME = '__Secure-auth-refresh';
/** The header a cookie-borne request must carry, with the value `1`. */
export const CSRF_HEADER = 'x-auth-csrf';
const COOKIE_PATH = '/auth/';

export interface RefreshCookie {
  /**
   * In cookie mode, the body schema with its token field optional (the cookie may carry it).
   * Typed as the contract's schema: handlers hand the field to withToken, which takes it as
   * possibly undefined.
   */
  body<S extends { required: readonly string[] }>(schema: S): S;
  /** In cookie mode, lets the route take a request with no body at all. */
  route(options: RouteOptions): RouteOptions;
  /** After a login: the pair's refresh token into the cookie. */
  issued<P extends { refresh: string }>(reply: FastifyReply, pair: P): P;
  /**
   * Runs `use` with the body's token or, when the body has none, the cookie's (CSRF-checked).
   * `field` names the body field for the "required" error when there is neither.
   */
  withToken<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    field: string,
    bodyToken: string | undefined,
    use: (token: string, fromCookie: boolean) => Promise<T>,
  ): Promise<T>;
  /** After a refresh from the cookie: a rotated token goes into the cookie, not the body. */
  refreshed<A extends { access: string; refresh?: string }>(reply: FastifyReply, answer: A, fromCookie: boolean): A;
  /** Clears the cookie (logout from it, a token it held that was refused). */
  clear(reply: FastifyReply): void;
}

/** What the routes call whatever the setting; with it off, every member leaves things as they are. */
export function refreshCookie(config: Config): RefreshCookie {
  if (!config.http.refreshCookie) return OFF;
  const origins = new Set(config.http.corsOrigins);
  const maxAge = Math.floor(config.jwt.refreshTtlMs / 1000);
  const set = (reply: FastifyReply, token: string) => reply.header('set-cookie', cookie(token, maxAge));
  const clear = (reply: FastifyReply) => reply.header('set-cookie', cookie('', 0));
  return {
    body: (schema) => ({ ...schema, required: [] }),
    route: (options) => ({ ...options, preValidation: emptyBodyIsObject }),
    issued: (reply, pair) => {
      set(reply, pair.refresh);
      return pair;
    },
    async withToken(request, reply, field, bodyToken, use) {
      if (bodyToken !== undefined) return use(bodyToken, false);
      const cookies = cookieValues(request.headers.cookie, REFRESH_COOKIE_NAME);
      if (cookies.length === 0) throw invalidField(field, 'This field is required.');
      checkCsrf(request, origins, cookies.length, () => clear(reply));
      return use(cookies[0] as string, true).catch((err) => {
        clear(reply); // a cookie whose token was refused is of no more use
        throw err;
      });
    },
    refreshed: (reply, answer, fromCookie) => {
      if (!fromCookie || answer.refresh === undefined) return answer;
      set(reply, answer.refresh);
      const { refresh: _inCookie, ...rest } = answer;
      return rest as typeof answer;
    },
    clear,
  };
}

const OFF: RefreshCookie = {
  body: (schema) => schema,
  route: (options) => options,
  issued: (_reply, pair) => pair,
  withToken: (_request, _reply, _field, bodyToken, use) => use(bodyToken as string, false),
  refreshed: (_reply, answer) => answer,
  clear: () => {},
};

function cookie(value: string, maxAge: number): string {
  return `${REFRESH_COOKIE_NAME}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Strict`;
}

/**
 * The cookie may be relied on only by a request that carries X-Auth-CSRF: 1 from an allowed
 * Origin. Two cookies of our name mean one was planted from a sibling host (a Domain cookie
 * with our path, "cookie tossing"): refused too, and ours cleared.
 */
function checkCsrf(request: FastifyRequest, origins: Set<string>, count: number, clear: () => void): void {
  const origin = request.headers.origin;
  const header = request.headers[CSRF_HEADER];
  if (header === '1' && origin !== undefined && origins.has(origin) && count === 1) return;
  if (count > 1) clear();
  throw new AuthError('csrf_failed', MESSAGES.csrfFailed);
}

/** Every value of cookie `name` in a Cookie header (RFC 6265 5.4: the most specific path first). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    const value = pair.slice(at + 1).trim();
    if (value) values.push(value);
  }
  return values;
}

/** A POST with no body at all reads as `{}` (a cookie-mode refresh or logout needs none). */
async function emptyBodyIsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
