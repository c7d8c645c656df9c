// Registers the service worker with workbox-window and reports when an update is ready.
// The update is applied only when the screen says so (DESIGN §7: an update waits until
// no order is half rung up); then the new worker takes over and the page reloads.
import { Workbox } from 'workbox-window';

let wb: Workbox | null = null;
let waiting = false;
const listeners = new Set<(ready: boolean) => void>();

export function registerServiceWorker(): void {
  if (wb || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  wb = new Workbox('/sw.js', { scope: '/' });
  wb.addEventListener('waiting', () => {
    waiting = true;
    listeners.forEach((l) => l(true));
  });
  wb.addEventListener('controlling', () => window.location.reload());
  void wb.register();
}

export function onUpdateReady(fn: (ready: boolean) => void): () => void {
  listeners.add(fn);
  fn(waiting);
  return () => listeners.delete(fn);
}

/** Lets the waiting worker take over; the page reloads when it does. */
export function applyUpdate(): void {
  wb?.messageSkipWaiting();
}
