// Tokens in the old service's format (SimpleJWT 5.2.2 defaults: HS256, header alg+typ, claims
// token_type, exp, iat, jti, user_id), and a Django dumpdata file, for tests that need no
// Django process. The end-to-end test (process/simplejwt-peer.test.ts) uses the real thing.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hs256, jwt } from '@auth-service/verifier/testing';

export const newJti = () => randomUUID().replaceAll('-', '');

export function simplejwtToken(
  key: string,
  type: 'access' | 'refresh',
  userId: number,
  options: { jti?: string; nowS?: number; ttlS?: number; header?: object; extra?: Record<string, unknown> } = {},
): string {
  const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
  const ttlS = options.ttlS ?? (type === 'access' ? 300 : 86_400);
  const claims = {
    token_type: type,
    exp: nowS + ttlS,
    iat: nowS,
    jti: options.jti ?? newJti(),
    user_id: userId,
    ...options.extra,
  };
  return jwt(options.header ?? { alg: 'HS256', typ: 'JWT' }, claims, hs256(key));
}

export interface DumpUser {
  id: number;
  username: string;
  password: string;
  isActive?: boolean;
}

export interface DumpToken {
  pk: number;
  jti: string;
  user: number | null;
  expiresAt: Date;
  blacklistedAt?: Date;
}

/** Writes `manage.py dumpdata auth.user token_blacklist` as Django would. */
export function writeDumpdata(path: string, users: DumpUser[], tokens: DumpToken[] = []): void {
  const entries: unknown[] = users.map((u) => ({
    model: 'auth.user',
    pk: u.id,
    fields: {
      password: u.password,
      last_login: null,
      is_superuser: false,
      username: u.username,
      first_name: '',
      last_name: '',
      email: '',
      is_staff: false,
      is_active: u.isActive ?? true,
      date_joined: '2026-01-02T03:04:05.678Z',
      groups: [],
      user_permissions: [],
    },
  }));
  for (const t of tokens) {
    entries.push({
      model: 'token_blacklist.outstandingtoken',
      pk: t.pk,
      fields: {
        user: t.user,
        jti: t.jti,
        token: '<not read>',
        created_at: new Date(t.expiresAt.getTime() - 86_400_000).toISOString(),
        expires_at: t.expiresAt.toISOString(),
      },
    });
    if (t.blacklistedAt) {
      entries.push({
        model: 'token_blacklist.blacklistedtoken',
        pk: t.pk,
        fields: { token: t.pk, blacklisted_at: t.blacklistedAt.toISOString() },
      });
    }
  }
  writeFileSync(path, JSON.stringify(entries));
}
