// Where the session is kept. 'local' is shared by the tabs of an origin (and survives a
// restart of the browser); 'session' lives as long as the tab; 'memory' as long as the page.
// docs/frontend.md weighs them.
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type StorageOption = 'local' | 'session' | 'memory' | StorageLike;

export function openStorage(option: StorageOption): StorageLike {
  if (option === 'local') return localStorage;
  if (option === 'session') return sessionStorage;
  if (option === 'memory') return memoryStorage();
  return option;
}

function memoryStorage(): StorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}
