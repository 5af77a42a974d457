// One client interface for the service's endpoints, with two implementations: app.inject()
// (no port, milliseconds) and a real process over HTTPS (process.ts's Service), so that a test
// of behaviour can run against either. The shared assertions take an Endpoint.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | number | undefined>;
  raw: string;
}

export type Headers = Record<string, string>;

export interface Endpoint {
  request(method: string, path: string, body?: unknown, headers?: Headers): Promise<Answer>;
  post(path: string, body: unknown, headers?: Headers): Promise<Answer>;
  get(path: string, headers?: Headers): Promise<Answer>;
  /** Logs in (the default password is `<username>-password-1`); throws unless 200. */
  login(username: string, password?: string): Promise<TokenPair>;
}

export interface TokenPair {
  refresh: string;
  access: string;
}

/** Builds the rest of an Endpoint from its `request`. */
export function endpoint(request: Endpoint['request']): Endpoint {
  return {
    request,
    post: (path, body, headers) => request('POST', path, body, headers),
    get: (path, headers) => request('GET', path, undefined, headers),
    async login(username, password = `${username}-password-1`) {
      const res = await request('POST', '/auth/login/', { username, password });
      if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${res.raw}`);
      return res.body as unknown as TokenPair;
    },
  };
}

/** The Endpoint of an app that listens on no port. */
export function injectEndpoint(app: FastifyInstance): Endpoint {
  return endpoint(async (method, path, body, headers = {}) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.inject({
      method: method as 'GET',
      url: path,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      payload,
    });
    return answer(res.statusCode, res.body, res.headers);
  });
}

export function answer(status: number, raw: string, headers: Answer['headers']): Answer {
  let body: Record<string, unknown> = {};
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    body = { __raw: raw };
  }
  return { status, body, headers, raw };
}

export const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

/** `res` has `status` and the error `code`. */
export function expectCode(res: Answer, status: number, code: string, what = ''): void {
  assert.equal(res.status, status, `${what}: ${res.raw}`);
  assert.equal(res.body.code, code, `${what}: ${res.raw}`);
}

/** Every endpoint that reads a token accepts this pair (logout is not tried: it would end it). */
export async function pairAccepted(api: Endpoint, pair: TokenPair, what: string): Promise<void> {
  assert.equal((await api.get('/auth/me/', bearer(pair.access))).status, 200, `${what}: me`);
  assert.equal((await api.post('/auth/token/verify/', { token: pair.access })).status, 200, `${what}: verify access`);
  assert.equal((await api.post('/auth/token/verify/', { token: pair.refresh })).status, 200, `${what}: verify refresh`);
  assert.equal((await api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200, `${what}: refresh`);
}

/** Every endpoint that reads a token refuses this pair; /auth/me/ with `meCode`. */
export async function pairRefused(api: Endpoint, pair: TokenPair, what: string, meCode = 'token_not_valid'): Promise<void> {
  expectCode(await api.get('/auth/me/', bearer(pair.access)), 401, meCode, `${what}: me`);
  expectCode(await api.post('/auth/token/verify/', { token: pair.access }), 401, 'token_not_valid', `${what}: verify access`);
  expectCode(await api.post('/auth/token/verify/', { token: pair.refresh }), 401, 'token_not_valid', `${what}: verify refresh`);
  expectCode(await api.post('/auth/token/refresh/', { refresh: pair.refresh }), 401, 'token_not_valid', `${what}: refresh`);
  expectCode(await api.post('/auth/logout/all/', {}, bearer(pair.access)), 401, meCode, `${what}: logout/all`);
  expectCode(await api.post('/auth/logout/', { refresh_token: pair.refresh }), 400, 'logout_failed', `${what}: logout`);
}
