// GET /auth/health/ready/: whether this instance can serve a login right now. It needs the
// database, and Redis when the throttle counters live there; the 503 names the one that failed
// or did not answer in time, so that an operator looks at the right thing.
import { hasCode, unavailable } from '../errors.js';
import type { Services } from '../runtime.js';

const READY_TIMEOUT_MS = 2000;

export async function readiness(deps: Pick<Services, 'db' | 'throttle'>): Promise<void> {
  await Promise.all([withTimeout(deps.db.ping(), 'database'), withTimeout(deps.throttle.ping(), 'redis')]);
}

async function withTimeout(check: Promise<void>, dependency: 'database' | 'redis'): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(unavailable(dependency, new Error(`no answer within ${READY_TIMEOUT_MS} ms`))),
      READY_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check.catch((err) => Promise.reject(hasCode(err) ? err : unavailable(dependency, err))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
