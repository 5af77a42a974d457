// createAuthClient: one session, kept in the chosen storage, refreshed before it expires with
// one refresh across callers and tabs, ended everywhere at once.
import { type AuthError, notAuthenticated } from './errors.js';
import { caller, readAnswer } from './http.js';
import { sender, tokenRefused } from './replay.js';
import { type AuthState, newLoginId, parseStored, publicState, received, type Stored } from './session.js';
import { openStorage, type StorageOption } from './storage.js';
import { openTabs, withLock } from './tabs.js';

export interface AuthClientOptions {
  /** The service's origin, e.g. https://auth.example.com:8443 (the client adds /auth/…). */
  url: string;
  /** Default 'local'; 'memory' with `cookie: true` and where there is no localStorage (Node). */
  storage?: StorageOption;
  /** Seconds before expiry at which the access token is refreshed (default 30; at most half its lifetime). */
  refreshMargin?: number;
  /** The refresh token travels in the service's HttpOnly cookie (REFRESH_COOKIE=true), never in storage. */
  cookie?: boolean;
}

/** One of the caller's live sessions, as GET /auth/sessions/ lists it (docs/api.md). */
export interface SessionInfo {
  /** The `sid` of its tokens. */
  id: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601, coarse (at most hourly without rotation). */
  last_used: string | null;
  client_address: string | null;
  user_agent: string | null;
  /** The session of this client. */
  current: boolean;
}

export interface PasswordChanged {
  message: string;
  /** The user's other sessions, ended by the change. */
  sessions_revoked: number;
}

export interface User {
  id: number;
  username: string;
}

export type Listener = (state: AuthState | null) => void;

export interface AuthClient {
  login(username: string, password: string): Promise<AuthState>;
  logout(): Promise<void>;
  logoutAll(): Promise<void>;
  getAccessToken(): Promise<string>;
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  user(): Promise<User>;
  sessions(): Promise<SessionInfo[]>;
  endSession(id: string): Promise<void>;
  changePassword(oldPassword: string, newPassword: string): Promise<PasswordChanged>;
  onChange(listener: Listener): () => void;
  /** The session now, or null (no request). */
  state(): AuthState | null;
  /** Stops timers and listeners (tests, single-page apps that drop the client). */
  close(): void;
}

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const SETTLE_MS = 50;

export function createAuthClient(options: AuthClientOptions): AuthClient {
  const base = options.url.replace(/\/+$/, '');
  const cookie = options.cookie === true;
  // Node has no localStorage: memory there.
  const storageOption = options.storage ?? (cookie || typeof localStorage === 'undefined' ? 'memory' : 'local');
  const store = openStorage(storageOption);
  const key = `auth-service:${base}`;
  const marginMs = (options.refreshMargin ?? 30) * 1000;
  const call = caller(base, cookie);
  const listeners = new Set<Listener>();
  let lastSeen = store.getItem(key);
  let inflight: Promise<string> | null = null;
  let backoff = { until: 0, delayMs: 0, error: undefined as AuthError | undefined };
  let cookieProbed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const read = () => parseStored(store.getItem(key));
  const margin = (s: Stored) => Math.min(marginMs, s.lifetimeMs / 2);
  const fresh = (s: Stored) => Date.now() < s.expiresAt - margin(s);

  /** Tells listeners (later, outside any lock) when the session differs from the last one told. */
  function changed() {
    const raw = store.getItem(key);
    schedule();
    if (raw === lastSeen) return;
    lastSeen = raw;
    const s = parseStored(raw);
    const state = s && publicState(s);
    setTimeout(() => {
      for (const listener of listeners) listener(state);
    }, 0);
  }

  function write(next: Stored | null) {
    const raw = next && JSON.stringify(next);
    if (raw) store.setItem(key, raw);
    else store.removeItem(key);
    tabs.post(raw);
    changed();
  }

  const tabs = openTabs(key, storageOption === 'local', (raw) => {
    if (storageOption !== 'local') {
      if (raw) store.setItem(key, raw);
      else store.removeItem(key);
    }
    changed();
  });

  /** One refresh at a time in this tab (callers share it), and under the lock across tabs. */
  function refreshOnce(seenAccess: string | undefined): Promise<string> {
    inflight ??= withLock(key, (waited) => refreshUnlocked(seenAccess, waited)).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function refreshUnlocked(seenAccess: string | undefined, waited = false): Promise<string> {
    // After another tab's turn: let its new tokens (a storage event, a message) arrive first.
    if (waited) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const latest = read();
    if (latest && latest.access !== seenAccess) return latest.access; // another tab refreshed
    if (!latest && !(cookie && !cookieProbed)) throw notAuthenticated();
    if (Date.now() < backoff.until) {
      if (latest && Date.now() < latest.expiresAt) return latest.access;
      throw backoff.error ?? notAuthenticated();
    }
    cookieProbed = true;
    let answer: { access: string; refresh?: string };
    try {
      answer = (await call('POST', '/auth/token/refresh/', cookie ? {} : { refresh: latest?.refresh })) as typeof answer;
    } catch (err) {
      // Another tab refreshed this session meanwhile (no Web Locks): its tokens stand, whatever this answer was.
      const current = read();
      if (latest && current?.login === latest.login && current.access !== latest.access) return current.access;
      throw failedRefresh(err as AuthError, latest);
    }
    backoff = { until: 0, delayMs: 0, error: undefined };
    const now = read();
    // Logged out (or in again) by another tab while this refresh was on its way: drop it.
    if (latest ? now?.login !== latest.login : now) throw notAuthenticated();
    const next = received(answer.access, cookie ? undefined : (answer.refresh ?? latest?.refresh), latest?.login ?? newLoginId());
    write(next);
    return next.access;
  }

  /**
   * A refused refresh token (401, or 400: none or malformed) ends the session; anything else (no
   * answer, 5xx, 429, a 403 csrf_failed of a misconfigured origin) is retried later, spaced out.
   */
  function failedRefresh(err: AuthError, latest: Stored | null): AuthError {
    if (err.status === 401 || err.status === 400) {
      if (latest && read()?.login === latest.login) write(null);
      return latest ? err : notAuthenticated();
    }
    const delayMs = Math.min(Math.max(backoff.delayMs * 2, BACKOFF_FIRST_MS), BACKOFF_MAX_MS);
    backoff = { until: Date.now() + Math.max(delayMs, (err.retryAfter ?? 0) * 1000), delayMs, error: err };
    schedule();
    return err;
  }

  async function getAccessToken(): Promise<string> {
    const s = read();
    if (s && fresh(s)) return s.access;
    return refreshOnce(s?.access);
  }

  /** The next proactive refresh: within the margin of expiry (spread out a little, so that tabs do not collide). */
  function schedule() {
    clearTimeout(timer);
    const s = read();
    if (!s) return;
    const jitter = Math.random() * margin(s) * 0.5;
    const at = Math.max(s.expiresAt - margin(s) - jitter, backoff.until);
    timer = setTimeout(tick, Math.max(0, at - Date.now()));
    (timer as { unref?: () => void }).unref?.();
  }

  function tick() {
    // Paused while hidden; the visibilitychange listener catches up.
    if (typeof document === 'object' && document.hidden) return;
    const s = read();
    if (s) refreshOnce(s.access).catch(() => undefined);
  }

  const onVisible = () => {
    if (!document.hidden) schedule();
  };
  const onOnline = () => {
    backoff = { until: 0, delayMs: 0, error: undefined };
    schedule();
  };
  if (typeof document === 'object') document.addEventListener('visibilitychange', onVisible);
  if (typeof addEventListener === 'function') addEventListener('online', onOnline);
  schedule();
  // Cookie mode keeps no refresh token where scripts can read it: a new page asks the cookie.
  if (cookie && !read()) getAccessToken().catch(() => undefined);

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const token = await getAccessToken();
    const { send, replayable } = sender(input, init);
    const first = await send(token);
    if (!replayable || !(await tokenRefused(first))) return first;
    return send(await refreshOnce(token));
  }

  const api = async (method: string, path: string, body?: unknown) =>
    readAnswer(
      await authFetch(base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );

  return {
    async login(username, password) {
      const pair = (await call('POST', '/auth/login/', { username, password })) as { access: string; refresh: string };
      const next = received(pair.access, cookie ? undefined : pair.refresh, newLoginId());
      backoff = { until: 0, delayMs: 0, error: undefined };
      write(next);
      return publicState(next);
    },
    async logout() {
      const s = read();
      cookieProbed = true;
      write(null);
      if (!s && !cookie) return;
      try {
        await call('POST', '/auth/logout/', cookie ? {} : { refresh_token: s?.refresh });
      } catch (err) {
        // 400: already over at the server (another tab, an expiry), or no cookie: nothing left to end.
        if ((err as AuthError).status !== 400) throw err;
      }
    },
    async logoutAll() {
      const s = read();
      if (!s) return;
      await call('POST', '/auth/logout/all/', undefined, await getAccessToken());
      write(null);
    },
    getAccessToken,
    fetch: authFetch,
    user: () => api('GET', '/auth/me/') as Promise<User>,
    sessions: async () => ((await api('GET', '/auth/sessions/')) as { sessions: SessionInfo[] }).sessions,
    async endSession(id) {
      const current = read();
      await api('DELETE', `/auth/sessions/${encodeURIComponent(id)}/`);
      if (current && publicState(current).sessionId === id) write(null);
    },
    changePassword: (oldPassword, newPassword) =>
      api('POST', '/auth/password/change/', { old_password: oldPassword, new_password: newPassword }) as Promise<PasswordChanged>,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    state() {
      const s = read();
      return s && publicState(s);
    },
    close() {
      clearTimeout(timer);
      tabs.close();
      if (typeof document === 'object') document.removeEventListener('visibilitychange', onVisible);
      if (typeof removeEventListener === 'function') removeEventListener('online', onOnline);
    },
  };
}
