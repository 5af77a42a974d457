// One HTTPS GET of a small JSON document (the JWKS, a discovery document), on node:https with
// the caller's CA. Bounded in time and size: a slow or hostile answer cannot hold a verifier
// or fill its memory. Redirects are not followed (the keys come from the configured origin).
import { type Agent, request } from 'node:https';

export interface JsonAnswer {
  status: number;
  cacheControl?: string;
  body: unknown;
}

export interface FetchOptions {
  agent: Agent;
  timeoutMs: number;
  maxBytes: number;
}

export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export function fetchJson(url: URL, options: FetchOptions): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: options.agent, headers: { accept: 'application/json' } });
    // The whole exchange, not the socket's idle time: a server dripping a byte at a time is slow too.
    const timer = setTimeout(
      () => req.destroy(new FetchError(`no answer from ${url.origin} within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof FetchError ? err : new FetchError(`${url.origin}: ${err.message}`, { cause: err }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) req.destroy(new FetchError(`${url.href} answered more than ${options.maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (err) => req.destroy(err));
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        const cacheControl = res.headers['cache-control'];
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status, cacheControl, body: status === 200 ? JSON.parse(text) : undefined });
        } catch {
          reject(new FetchError(`${url.href} answered 200 with a body that is not JSON`));
        }
      });
    });
    req.end();
  });
}

/**
 * How long an answer may be used (RFC 9111 5.2.2): max-age, in ms; `fallbackMs` when there is
 * none; no-store and no-cache count as zero (the caller's floor applies).
 */
export function freshnessMs(cacheControl: string | undefined, fallbackMs: number): number {
  if (!cacheControl) return fallbackMs;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  const maxAge = directives.map((d) => /^max-age=(\d{1,10})$/.exec(d)?.[1]).find((v) => v !== undefined);
  return maxAge === undefined ? fallbackMs : Number(maxAge) * 1000;
}
