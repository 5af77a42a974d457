// The orders service: every route needs an auth-service access token, checked by the verifier
// in this process (no call to the auth service per request). REST: GET /orders (yours),
// POST /orders {"item": "..."}. WebSocket: /orders/live pushes your new orders; it is refused
// before the 101 without a valid token, and closed when the token expires (4401) or its
// session is revoked (4403, through the revocation feed).

import { fastifyAuth } from '@auth-service/verifier/fastify';
import { authenticateUpgrade, selectProtocol, watchSocket } from '@auth-service/verifier/websocket';
import Fastify from 'fastify';
import { WebSocketServer } from 'ws';

const ITEM = { type: 'string', minLength: 1, maxLength: 100 };

export async function buildOrders({ verifier, logger = false }) {
  const app = Fastify({ logger });
  const orders = new Map(); // user id -> orders, in memory: this is an example
  const live = new Map(); // user id -> open sockets

  app.get('/health', { config: { auth: false } }, async () => ({ status: 'ok' }));
  await app.register(fastifyAuth, { verifier });

  app.get('/orders', async (request) => ({ user: request.auth.sub, orders: orders.get(request.auth.user_id) ?? [] }));
  app.post(
    '/orders',
    { schema: { body: { type: 'object', required: ['item'], properties: { item: ITEM }, additionalProperties: false } } },
    async (request, reply) => {
      const { user_id: userId } = request.auth;
      const order = { id: crypto.randomUUID(), item: request.body.item, at: new Date().toISOString() };
      orders.set(userId, [...(orders.get(userId) ?? []), order]);
      for (const socket of live.get(userId) ?? []) socket.send(JSON.stringify({ type: 'order', order }));
      return reply.code(201).send(order);
    },
  );

  // Browsers cannot set headers on a WebSocket: they offer the token as a subprotocol
  // (wsProtocols(token)); the server answers with "auth-service", never the token.
  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => selectProtocol(offered) });
  app.server.on('upgrade', async (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://orders').pathname !== '/orders/live') return socket.destroy();
    const claims = await authenticateUpgrade(verifier, req, socket);
    if (!claims) return; // answered 401 (or 503) and closed
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const mine = live.get(claims.user_id) ?? new Set();
      live.set(claims.user_id, mine.add(ws));
      watchSocket(verifier, ws, claims);
      ws.once('close', () => mine.delete(ws));
      ws.send(JSON.stringify({ type: 'hello', user: claims.sub, orders: orders.get(claims.user_id) ?? [] }));
    });
  });
  app.addHook('onClose', async () => {
    for (const ws of sockets.clients) ws.terminate();
    sockets.close();
  });
  return app;
}
