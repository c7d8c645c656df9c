// Warns before the page is closed while mutations are still waiting to reach the server
// (DESIGN §6 One syncing tab). The browser shows its own wording; setting returnValue is
// what makes it ask.
import type { SyncEngine } from './engine.ts';

export function guardUnload(engine: SyncEngine, target: Pick<Window, 'addEventListener' | 'removeEventListener'> = window): () => void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (engine.status.pending > 0) {
      e.preventDefault();
      e.returnValue = 'Some sales or check-ins have not reached the server yet.';
    }
  };
  target.addEventListener('beforeunload', onBeforeUnload);
  return () => target.removeEventListener('beforeunload', onBeforeUnload);
}
