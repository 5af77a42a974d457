// `npm start` (or `npm run example:orders` from the repository root), against a running
// auth-service:
//   AUTH_URL       the auth service (default https://127.0.0.1:8443)
//   AUTH_CA        PEM file of its certificate, for a private or self-signed one
//                  (default: ./data/tls/cert.pem, what `npm start` of the auth service generates)
//   REVOCATION_FEED_TOKEN   the auth service's, to refuse logged-out sessions at once (optional)
//   AUTH_ISSUER, AUTH_AUDIENCE   the auth service's JWT_ISSUER / JWT_AUDIENCE, when set there
//   PORT (3000), HOST (127.0.0.1)
import { existsSync, readFileSync } from 'node:fs';
import { createVerifier } from '@auth-service/verifier';
import { buildOrders } from './orders.js';

const env = process.env;
const caFile = env.AUTH_CA ?? ['data/tls/cert.pem', '../../data/tls/cert.pem'].find((file) => existsSync(file));
const verifier = createVerifier({
  url: env.AUTH_URL ?? 'https://127.0.0.1:8443',
  ca: caFile ? readFileSync(caFile) : undefined,
  issuer: env.AUTH_ISSUER,
  audience: env.AUTH_AUDIENCE,
  revocations: env.REVOCATION_FEED_TOKEN ? { token: env.REVOCATION_FEED_TOKEN } : undefined,
});
const app = await buildOrders({ verifier, logger: { level: env.LOG_LEVEL ?? 'info' } });
await app.listen({ port: Number(env.PORT ?? 3000), host: env.HOST ?? '127.0.0.1' });

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await app.close();
    await verifier.close();
    process.exit(0);
  });
}
