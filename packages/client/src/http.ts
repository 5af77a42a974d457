// Requests to the auth service itself: JSON in and out, a timeout (so that no lock waits on a
// request that never ends), and in cookie mode the credentials and the CSRF header.
import { AuthError, answerError, networkError } from './errors.js';

const REQUEST_TIMEOUT_MS = 10_000;
/** Cookie mode: the custom header the service requires of every request that uses the cookie (docs/api.md). */
const CSRF_HEADER = 'x-auth-csrf';

export type Caller = (method: string, path: string, body?: unknown, token?: string) => Promise<unknown>;

export function caller(base: string, cookie: boolean): Caller {
  return async (method, path, body, token) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    if (cookie) headers[CSRF_HEADER] = '1';
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: cookie ? 'include' : 'omit',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw networkError(err);
    }
    return readAnswer(res);
  };
}

/** The JSON of a 2xx answer, or its AuthError. */
export async function readAnswer(res: Response): Promise<unknown> {
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw answerError(res, body);
  if (body === undefined && res.status !== 204) throw new AuthError('bad_response', 'Not a JSON answer', res.status);
  return body;
}
