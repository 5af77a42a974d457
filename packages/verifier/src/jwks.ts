// The auth service's public keys, fetched and cached. The rules, and the threat each answers:
// - cached as the answer's Cache-Control says (floored at the cooldown, capped at a day), and
//   refreshed in the background when stale: a verification never waits for a routine fetch;
// - a kid we do not know fetches again at most once per cooldown, however many tokens name
//   unknown kids and whatever the fetch's outcome: concurrent callers share the one fetch, so a
//   flood of made-up kids costs the auth service one request per cooldown, and a fetch only
//   replaces the keys with a set the service answered (nothing a token says evicts a key);
// - when fetches fail, the keys last fetched keep verifying for `maxStaleMs` after that fetch
//   (the service down or slow must not stop its consumers); past it, or before any key was
//   ever fetched, verification fails with keys_unavailable (a 503, never a 401).
import type { Agent } from 'node:https';
import { keysUnavailable, type VerifierError } from './errors.js';
import { fetchJson, freshnessMs, type JsonAnswer } from './fetch-json.js';
import { locateJwks } from './jwks-location.js';
import { parseJwks } from './jwks-parse.js';
import type { KeyLookup, VerificationKey } from './keys.js';

export interface JwksSettings {
  /** The auth service's base URL, or the JWKS URL itself. */
  url: URL;
  agent: Agent;
  cooldownMs: number;
  timeoutMs: number;
  maxStaleMs: number;
  now: () => number;
}

const DEFAULT_FRESHNESS_MS = 300_000;
const MAX_FRESHNESS_MS = 86_400_000;
const MAX_BYTES = 256 * 1024;

export interface JwksStatus {
  keys: string[];
  /** When keys were last fetched (ms since the epoch), or null. */
  fetchedAt: number | null;
  freshUntil: number | null;
  lastError: string | null;
}

export class JwksClient implements KeyLookup {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private freshUntil = Number.NEGATIVE_INFINITY;
  /** The last unknown-kid fetch and the last background attempt, each limited by the cooldown. */
  private lastUnknownKidFetch = Number.NEGATIVE_INFINITY;
  private lastBackgroundAttempt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | null = null;
  private lastError: Error | null = null;
  private jwksUrl: URL | null = null;

  constructor(private readonly settings: JwksSettings) {}

  get(kid: string): VerificationKey | undefined {
    return this.keys.get(kid);
  }

  /** True when cached keys may decide (fetched, and not past maxStale). */
  usable(): boolean {
    return this.keys.size > 0 && this.settings.now() - this.fetchedAt <= this.settings.maxStaleMs;
  }

  /** Starts a background refresh when the keys are stale (once per cooldown while it fails). */
  maintain(): void {
    const now = this.settings.now();
    if (now < this.freshUntil || this.inflight || now - this.lastBackgroundAttempt < this.settings.cooldownMs) return;
    this.lastBackgroundAttempt = now;
    this.fetch().catch(() => {});
  }

  /** Keys are needed now (none usable yet): waits for a fetch, shared, once per cooldown. */
  async ensure(): Promise<void> {
    if (this.usable()) return;
    if (!this.inflight) {
      const now = this.settings.now();
      const wait = this.lastBackgroundAttempt + this.settings.cooldownMs - now;
      if (wait > 0) throw this.unavailable(wait);
      this.lastBackgroundAttempt = now;
    }
    await this.fetch().catch(() => {});
    if (!this.usable()) throw this.unavailable(this.settings.cooldownMs);
  }

  /**
   * A token named a kid we do not have: fetch again, unless an unknown-kid fetch started less
   * than a cooldown ago. Resolves to whether the keys were fetched (now or by a fetch in flight).
   */
  async refetchForUnknownKid(): Promise<boolean> {
    if (!this.inflight) {
      const now = this.settings.now();
      if (now - this.lastUnknownKidFetch < this.settings.cooldownMs) return false;
      this.lastUnknownKidFetch = now;
    }
    await this.fetch().catch(() => {});
    return true;
  }

  /** Milliseconds until the next unknown-kid fetch may start. */
  cooldownLeftMs(): number {
    return Math.max(0, this.lastUnknownKidFetch + this.settings.cooldownMs - this.settings.now());
  }

  /** Whether the last fetch failed (the service is down, slow or answering garbage). */
  failing(): boolean {
    return this.lastError !== null;
  }

  /** keys_unavailable (a 503), saying what was last fetched and why fetching fails. */
  unavailable(retryMs: number): VerifierError {
    const from = (this.jwksUrl ?? this.settings.url).href;
    const since = Number.isFinite(this.fetchedAt)
      ? `keys last fetched ${Math.round((this.settings.now() - this.fetchedAt) / 1000)} s ago from ${from}`
      : `no keys ever fetched from ${from}`;
    const why = this.lastError ? `: ${this.lastError.message}` : '';
    return keysUnavailable(`${since}${why}`, retryMs / 1000, this.lastError ?? undefined);
  }

  status(): JwksStatus {
    const known = Number.isFinite(this.fetchedAt);
    return {
      keys: [...this.keys.keys()],
      fetchedAt: known ? this.fetchedAt : null,
      freshUntil: known ? this.freshUntil : null,
      lastError: this.lastError?.message ?? null,
    };
  }

  /** One fetch at a time: concurrent callers get the one in flight. */
  private fetch(): Promise<void> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<void> {
    try {
      const options = { agent: this.settings.agent, timeoutMs: this.settings.timeoutMs, maxBytes: MAX_BYTES };
      this.jwksUrl ??= await locateJwks(this.settings.url, options);
      const answer = await fetchJson(this.jwksUrl, options);
      this.accept(answer);
      this.lastError = null;
    } catch (err) {
      this.lastError = err instanceof Error ? err : new Error(String(err));
      throw this.lastError;
    }
  }

  private accept(answer: JsonAnswer): void {
    if (answer.status !== 200) throw new Error(`${this.jwksUrl?.href} answered ${answer.status}`);
    const keys = parseJwks(answer.body, this.keys);
    if (typeof keys === 'string') throw new Error(`${this.jwksUrl?.href}: ${keys}`);
    const now = this.settings.now();
    const freshness = freshnessMs(answer.cacheControl, DEFAULT_FRESHNESS_MS);
    this.keys = keys;
    this.fetchedAt = now;
    this.freshUntil = now + Math.min(MAX_FRESHNESS_MS, Math.max(this.settings.cooldownMs, freshness));
  }
}
