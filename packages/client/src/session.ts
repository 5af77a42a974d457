// The session as the client keeps it. The expiry is on the device's clock: the token's own
// lifetime (exp - iat, both the server's clock) counted from the moment it arrived, so a
// device clock minutes off changes nothing.
export interface Stored {
  access: string;
  /** Absent in cookie mode: the refresh token then lives in an HttpOnly cookie. */
  refresh?: string;
  /** Device time (ms) at which the access token expires. */
  expiresAt: number;
  lifetimeMs: number;
  /** Names one login, so that a refresh started before a logout or another login is dropped. */
  login: string;
}

/** What listeners and callers see: never the refresh token. */
export interface AuthState {
  accessToken: string;
  /** Device time (ms since the epoch) at which the access token expires. */
  expiresAt: number;
  userId: number;
  /** The session id (`sid` claim): compare with `auth.sessions()`. */
  sessionId: string;
}

interface Claims {
  iat: number;
  exp: number;
  user_id: number;
  sid: string;
}

export function claimsOf(token: string): Claims {
  const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part));
}

export function received(access: string, refresh: string | undefined, login: string, now = Date.now()): Stored {
  const { iat, exp } = claimsOf(access);
  const lifetimeMs = Math.max(0, exp - iat) * 1000;
  return { access, refresh, expiresAt: now + lifetimeMs, lifetimeMs, login };
}

export function parseStored(raw: string | null): Stored | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Stored;
    return typeof value?.access === 'string' && typeof value.expiresAt === 'number' ? value : null;
  } catch {
    return null;
  }
}

export function publicState(s: Stored): AuthState {
  const { user_id, sid } = claimsOf(s.access);
  return { accessToken: s.access, expiresAt: s.expiresAt, userId: user_id, sessionId: sid };
}

export const newLoginId = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
