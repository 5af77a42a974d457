// Where the keys are, from the `url` a verifier is given:
// - a discovery document (…/.well-known/openid-configuration or RFC 8414's
//   …/.well-known/oauth-authorization-server): its jwks_uri, which must be https;
// - a URL ending in .json: the JWKS itself;
// - anything else is the auth service's base URL: its JWKS path, /auth/.well-known/jwks.json.
import { type FetchOptions, fetchJson } from './fetch-json.js';

export const JWKS_PATH = 'auth/.well-known/jwks.json';
const DISCOVERY = /\/\.well-known\/(openid-configuration|oauth-authorization-server)$/;

export async function locateJwks(url: URL, options: FetchOptions): Promise<URL> {
  if (url.pathname.endsWith('.json')) return url;
  if (!DISCOVERY.test(url.pathname)) {
    const base = new URL(url);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    return new URL(JWKS_PATH, base);
  }
  const answer = await fetchJson(url, options);
  if (answer.status !== 200) throw new Error(`${url.href} answered ${answer.status}`);
  const jwksUri = (answer.body as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) throw new Error(`${url.href} names no jwks_uri`);
  const located = new URL(jwksUri);
  // The keys decide whom we trust: never over plain HTTP, whatever a document says.
  if (located.protocol !== 'https:') throw new Error(`${url.href}: jwks_uri ${jwksUri} is not https`);
  return located;
}
