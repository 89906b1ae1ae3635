import { liveQuery } from 'dexie';
import { useEffect, useState } from 'react';

/**
 * A database query's answer, kept current: Dexie re-runs it whenever a table it read changes,
 * in this page or another (an artifact made in the side panel shows up in the library at once).
 * Undefined until the first answer; `fallback` when the query fails.
 */
export function useLive<T>(
  query: () => Promise<T>,
  deps: readonly unknown[],
  fallback: T,
): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: setValue,
      error: () => setValue(fallback),
    });
    return () => subscription.unsubscribe();
    // The caller names what the query depends on, as with useEffect.
  }, deps);
  return value;
}
