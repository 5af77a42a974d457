// Across the tabs of one origin. localStorage is shared, and its 'storage' event tells the
// other tabs of every write, in order. Other storages are per tab: a BroadcastChannel carries
// each new session (or its end) to the other tabs, which keep a copy.
export interface Tabs {
  post(raw: string | null): void;
  close(): void;
}

export function openTabs(name: string, shared: boolean, onRemote: (raw: string | null) => void): Tabs {
  if (shared) {
    const listener = (event: StorageEvent) => {
      if (event.key === name || event.key === null) onRemote(event.newValue);
    };
    addEventListener('storage', listener);
    return { post() {}, close: () => removeEventListener('storage', listener) };
  }
  if (typeof BroadcastChannel !== 'function') return { post() {}, close() {} };
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event) => onRemote(event.data);
  // Node: an open channel must not keep the process alive.
  (channel as { unref?: () => void }).unref?.();
  return { post: (raw) => channel.postMessage(raw), close: () => channel.close() };
}

const LOCK_WAIT_MS = 10_000;

/**
 * Runs `task` under the Web Lock `name` where the browser has Web Locks, so that one tab
 * refreshes and the others find its tokens. Never waits longer than LOCK_WAIT_MS: a lock
 * that does not come (a tab frozen while holding it) is skipped, since the server's rotation
 * grace period keeps two concurrent refreshes safe; locks only save calls. `task` never runs
 * user code, and its own requests time out, so no lock is held for long. `task` learns
 * whether it had to wait: then another tab has just refreshed, and its write may reach this
 * tab a moment after the lock does.
 */
export async function withLock<T>(name: string, task: (waited: boolean) => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'object' ? navigator.locks : undefined;
  if (!locks?.request) return task(false);
  let entered = false;
  const run = (waited: boolean) => {
    entered = true;
    return task(waited);
  };
  try {
    const busy = Symbol();
    const free = await locks.request(name, { ifAvailable: true }, (lock) => (lock ? run(false) : busy));
    if (free !== busy) return free as T;
    return await locks.request(name, { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, () => run(true));
  } catch (err) {
    if (entered) throw err;
    return task(false);
  }
}
