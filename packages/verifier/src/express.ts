// @auth-service/verifier/express: middleware for Express and Connect (any `(req, res, next)`
// stack on Node's http): a valid access token or the request is answered here; the claims go
// on `req.auth`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessClaims } from '@auth-service/protocol';
import { refusalAnswer } from './http-answer.js';
import type { Verifier } from './verifier.js';

export type AuthenticatedRequest = IncomingMessage & { auth?: AccessClaims };

export function expressAuth(verifier: Verifier, options: { realm?: string } = {}) {
  return (req: AuthenticatedRequest, res: ServerResponse, next: (err?: unknown) => void): void => {
    verifier.verifyAuthorization(req.headers.authorization).then(
      (claims) => {
        req.auth = claims;
        next();
      },
      (err) => {
        const answer = refusalAnswer(err, options.realm);
        const body = JSON.stringify(answer.body);
        res.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json; charset=utf-8' });
        res.end(body);
      },
    );
  };
}
