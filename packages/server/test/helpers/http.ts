// Small helpers over app.inject() for readable tests (endpoint.ts is the newer interface).
import type { FastifyInstance } from 'fastify';
import { type Answer, answer } from './endpoint.js';

export type { Answer };

export async function post(
  app: FastifyInstance,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return answer(res.statusCode, res.body, res.headers);
}

export async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await app.inject({ method: 'GET', url, headers });
  return answer(res.statusCode, res.body, res.headers);
}

export async function loginPair(app: FastifyInstance, username: string, password = `${username}-password-1`) {
  const res = await post(app, '/auth/login/', { username, password });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${res.raw}`);
  return res.body as { refresh: string; access: string };
}

/** The decoded payload of a JWT (no verification: for assertions on claims). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
}
