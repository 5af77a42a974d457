// Issuer metadata, so that resource-server libraries configured with only an issuer URL find
// our keys: OpenID Connect Discovery 1.0 (4: the issuer URL + /.well-known/openid-configuration)
// and RFC 8414 (3: /.well-known/oauth-authorization-server inserted before the issuer's path).
// Both derive the document's place from JWT_ISSUER, so it is served only when JWT_ISSUER is an
// https URL; with the default ("auth-service") the same paths answer 404 discovery_disabled,
// and verifiers use the JWKS path directly. The document names only what we have: the issuer
// and the keys (we are no OAuth authorization server: no authorization or token endpoints).
import { type Algorithm, issuerMetadataAnswer, MESSAGES } from '@auth-service/protocol';
import type { RouteOptions } from 'fastify';
import { AuthError } from '../errors.js';
import { route } from './route.js';

export const JWKS_PATH = '/auth/.well-known/jwks.json';
const OIDC = '/.well-known/openid-configuration';
const RFC8414 = '/.well-known/oauth-authorization-server';

/** The discovery URLs of an issuer, or null when it is not an https URL (then none exist). */
export function discoveryPaths(issuer: string): { oidc: string; rfc8414: string } | null {
  const url = issuerUrl(issuer);
  if (!url) return null;
  const path = url.pathname.replace(/\/$/, '');
  return { oidc: `${path}${OIDC}`, rfc8414: `${RFC8414}${path}` };
}

export function discoveryRoutes(issuer: string, algorithm: Algorithm): RouteOptions[] {
  const url = issuerUrl(issuer);
  const paths = discoveryPaths(issuer) ?? { oidc: OIDC, rfc8414: RFC8414 };
  const document = url && {
    issuer,
    // Our routes sit at fixed paths of the issuer's origin (the JWKS under /auth/).
    jwks_uri: new URL(JWKS_PATH, url.origin).toString(),
    // What libraries read to pin the algorithm (express-oauth2-jwt-bearer, for one).
    id_token_signing_alg_values_supported: [algorithm],
    subject_types_supported: ['public'],
    response_types_supported: [],
  };
  return [...new Set([paths.oidc, paths.rfc8414])].map((path) =>
    route({
      method: 'GET',
      url: path,
      docs: {
        tag: 'keys',
        summary: 'Issuer metadata: where the signing keys are (OpenID Connect Discovery, RFC 8414)',
        description: 'Served only when JWT_ISSUER is an https URL; the path follows from it.',
        errors: ['discovery_disabled'],
        example: {
          issuer: 'https://auth.example.com',
          jwks_uri: 'https://auth.example.com/auth/.well-known/jwks.json',
          id_token_signing_alg_values_supported: ['ES256'],
          subject_types_supported: ['public'],
          response_types_supported: [],
        },
      },
      schema: { response: { 200: issuerMetadataAnswer } },
      handler: async (_request, reply) => {
        if (!document) throw new AuthError('discovery_disabled', MESSAGES.discoveryDisabled);
        reply.header('cache-control', 'public, max-age=3600');
        reply.removeHeader('pragma');
        return document;
      },
    }),
  );
}

/** JWT_ISSUER as a URL when it is one that discovery can use (https, no query or fragment). */
export function issuerUrl(issuer: string): URL | null {
  if (!/^https:\/\//i.test(issuer)) return null;
  try {
    const url = new URL(issuer);
    return url.search || url.hash || url.username || url.password ? null : url;
  } catch {
    return null;
  }
}
