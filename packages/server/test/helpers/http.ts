// Small helpers over app.inject() for readable tests.
import type { FastifyInstance } from 'fastify';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | number | undefined>;
  raw: string;
}

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
  return answer(res);
}

export async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await app.inject({ method: 'GET', url, headers }));
}

function answer(res: { statusCode: number; body: string; headers: Answer['headers'] }): Answer {
  let body: Record<string, unknown> = {};
  try {
    body = res.body ? JSON.parse(res.body) : {};
  } catch {
    body = { __raw: res.body };
  }
  return { status: res.statusCode, body, headers: res.headers, raw: res.body };
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
