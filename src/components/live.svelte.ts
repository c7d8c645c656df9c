// A Dexie live query as a Svelte 5 rune: the value follows the local database, including
// writes made by the syncing tab while this tab only reads (DESIGN §6 One syncing tab).
// Dexie runs the query asynchronously, out of Svelte's sight, so any component state the
// query depends on is named in `deps`: reading it inside the effect re-subscribes on change.
import { liveQuery } from 'dexie';

export function live<T>(query: () => Promise<T>, initial: T, deps?: () => unknown): { readonly value: T } {
  let value = $state(initial) as T;
  $effect(() => {
    deps?.();
    const sub = liveQuery(query).subscribe({
      next: (v) => (value = v),
      error: (e) => console.error('[tandem] live query failed', e),
    });
    return () => sub.unsubscribe();
  });
  return {
    get value() {
      return value;
    },
  };
}
