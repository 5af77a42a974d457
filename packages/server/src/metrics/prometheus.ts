// The Prometheus implementation of the metrics interfaces (auth/metrics.ts, http/request-metrics.ts)
// with prom-client, in a registry of its own. Counters are incremented as things happen; the
// pool and key gauges are read from the running service at scrape time (watch()). In a cluster,
// each gauge says how its values from the workers add up: pools are per worker (sum), keys are
// the same everywhere (max).
import client from 'prom-client';
import { type AuthMetrics, LOGIN_OUTCOMES, REFRESH_OUTCOMES, REVOCATION_CAUSES, VERIFY_OUTCOMES } from '../auth/metrics.js';
import type { HttpMetrics } from '../http/request-metrics.js';
import type { Services } from '../runtime.js';
import { type HistogramChild, PlainCounter, PlainHistogram } from './plain.js';

/** What the scrape-time gauges read. */
export type Watched = Pick<Services, 'passwords' | 'db' | 'ring'>;

export interface PromMetrics {
  registry: client.Registry;
  auth: AuthMetrics;
  http: HttpMetrics;
  /** From now on, the pool and key gauges read this service. */
  watch(service: Watched): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const KEY_STATES = ['next', 'current', 'retired (verifying)', 'expired'] as const;

export function createPromMetrics(): PromMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let watched: Watched | undefined;

  const requests = new PlainCounter(
    'auth_http_requests_total',
    'HTTP answers, by method, route template ("unmatched" for no route) and status.',
    REQUEST_LABELS,
  ).register(registry);
  const duration = new PlainHistogram(
    'auth_http_request_duration_seconds',
    'Time from request to answer, by method, route template and status.',
    REQUEST_LABELS,
    LATENCY_BUCKETS,
  ).register(registry);
  const logins = counter(registry, 'auth_logins_total', 'Login attempts, by outcome.', 'outcome', LOGIN_OUTCOMES);
  const refreshes = counter(registry, 'auth_token_refreshes_total', 'Refresh attempts, by outcome.', 'outcome', REFRESH_OUTCOMES);
  const verificationCounter = new PlainCounter(
    'auth_token_verifications_total',
    'Token checks: /auth/token/verify/ (kind="verify") and Bearer access tokens (kind="bearer"), by outcome.',
    ['kind', 'outcome'],
  ).register(registry);
  const verifications = new Map(
    (['verify', 'bearer'] as const).flatMap((kind) =>
      VERIFY_OUTCOMES.map((outcome) => [`${kind} ${outcome}`, verificationCounter.child(kind, outcome)] as const),
    ),
  );
  const revoked = counter(
    registry,
    'auth_sessions_revoked_total',
    'Sessions revoked by this service, by cause.',
    'cause',
    REVOCATION_CAUSES,
  );
  const redisErrors = new PlainCounter('auth_redis_errors_total', 'Redis connection errors and failed commands.', [])
    .register(registry)
    .child();
  const hashWaitHistogram = new PlainHistogram(
    'auth_hash_pool_wait_seconds',
    'Time a password hash waited for a hashing thread (0 when one was free).',
    [],
    [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  ).register(registry);
  const hashWait = hashWaitHistogram.child();

  registerPoolGauges(registers, () => watched);
  registerKeyGauges(registers, () => watched);

  return {
    registry,
    watch: (service) => {
      watched = service;
    },
    http: { request: requestRecorder(requests, duration) },
    auth: {
      login: (outcome) => logins(outcome),
      refresh: (outcome) => refreshes(outcome),
      verification: (kind, outcome) => {
        const child = verifications.get(`${kind} ${outcome}`);
        if (child) child.value++;
      },
      sessionsRevoked: (cause, count) => revoked(cause, count),
      redisError: () => {
        redisErrors.value++;
      },
      hashWaited: (seconds) => hashWaitHistogram.observe(hashWait, seconds),
    },
  };
}

const REQUEST_LABELS = ['method', 'route', 'status'] as const;

/** Records an answer in the children of its label set, found by one string key (the sets are bounded: templates, not paths). */
function requestRecorder(requests: PlainCounter, duration: PlainHistogram) {
  const children = new Map<string, { count: { value: number }; time: HistogramChild }>();
  return (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      const values = [method, route, String(status)];
      child = { count: requests.child(...values), time: duration.child(...values) };
      children.set(key, child);
    }
    child.count.value++;
    duration.observe(child.time, seconds);
  };
}

/** A counter with one label whose every value is exported from the start (at 0); returns its increment. */
function counter<V extends string>(registry: client.Registry, name: string, help: string, label: string, values: readonly V[]) {
  const metric = new PlainCounter(name, help, [label]).register(registry);
  const children = new Map(values.map((value) => [value, metric.child(value)] as const));
  return (value: V, by = 1) => {
    (children.get(value) ?? metric.child(value)).value += by;
  };
}

/** A counter whose total is kept elsewhere (a pool's own count): at scrape time it catches up. */
function mirroredCounter(registers: client.Registry[], name: string, help: string, total: () => number | undefined) {
  let seen = 0;
  return new client.Counter({
    name,
    help,
    registers,
    collect() {
      const now = total();
      if (now === undefined || now <= seen) return;
      this.inc(now - seen);
      seen = now;
    },
  });
}

function gauge(registers: client.Registry[], name: string, help: string, read: () => number | undefined) {
  return new client.Gauge({
    name,
    help,
    registers,
    aggregator: 'sum',
    collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}

function registerPoolGauges(registers: client.Registry[], service: () => Watched | undefined): void {
  const hashing = () => service()?.passwords.limiter;
  gauge(registers, 'auth_hash_pool_threads', 'Password-hashing threads (HASH_CONCURRENCY).', () => hashing()?.concurrency);
  gauge(registers, 'auth_hash_pool_in_use', 'Password hashes running now.', () => hashing()?.stats.running);
  gauge(registers, 'auth_hash_pool_queued', 'Password hashes waiting for a thread now.', () => hashing()?.stats.waiting);
  mirroredCounter(
    registers,
    'auth_hash_pool_rejected_total',
    'Password hashes refused (queue full or HASH_QUEUE_TIMEOUT): answered 503 overloaded.',
    () => hashing()?.rejected,
  );
  const pool = () => service()?.db.stats?.();
  gauge(registers, 'auth_db_pool_connections', 'Database connections open (PostgreSQL).', () => pool()?.total);
  gauge(registers, 'auth_db_pool_in_use', 'Database connections checked out now.', () => {
    const stats = pool();
    return stats && stats.total - stats.idle;
  });
  gauge(registers, 'auth_db_pool_waiting', 'Queries waiting for a database connection now.', () => pool()?.waiting);
  mirroredCounter(
    registers,
    'auth_db_errors_total',
    'Database connection failures and timeouts (answered 503), and idle connections lost.',
    () => pool()?.errors,
  );
}

function registerKeyGauges(registers: client.Registry[], service: () => Watched | undefined): void {
  new client.Gauge({
    name: 'auth_signing_keys',
    help: 'Signing keys loaded, by state.',
    labelNames: ['state'],
    registers,
    aggregator: 'max', // every worker loads the same keys
    collect() {
      const summary = service()?.ring.summary();
      if (!summary) return;
      for (const state of KEY_STATES) this.labels(state).set(summary.states.get(state) ?? 0);
    },
  });
  new client.Gauge({
    name: 'auth_signing_key_age_seconds',
    help: 'How long the current signing key has been signing.',
    registers,
    aggregator: 'max',
    collect() {
      const age = service()?.ring.summary().signerAgeSeconds;
      if (age !== null && age !== undefined) this.set(age);
    },
  });
}
