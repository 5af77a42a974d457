// auth.fetch: the Bearer on the caller's request, and on a 401 token_not_valid one refresh and
// one retry with the same body. A body that is a stream cannot be sent twice: that request is
// not retried (its 401 reaches the caller). A Request is cloned before each attempt, so its
// body is replayed too.
import { networkError } from './errors.js';

export type Send = (token: string) => Promise<Response>;

export function sender(input: RequestInfo | URL, init: RequestInit = {}): { send: Send; replayable: boolean } {
  const stream = typeof ReadableStream === 'function' && init.body instanceof ReadableStream;
  const send: Send = async (token) => {
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('authorization', `Bearer ${token}`);
    try {
      return await fetch(input instanceof Request ? input.clone() : input, { ...init, headers });
    } catch (err) {
      throw networkError(err);
    }
  };
  return { send, replayable: !stream };
}

/** Whether an answer says the token was refused (and not, say, that the caller lacks a right). */
export async function tokenRefused(res: Response): Promise<boolean> {
  if (res.status !== 401) return false;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { code?: unknown } | null;
  return body?.code === 'token_not_valid';
}
