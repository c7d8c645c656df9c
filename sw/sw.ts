/// <reference lib="webworker" />
// Tandem's service worker (DESIGN §7), built with Workbox injectManifest by sw/build.ts
// into dist/client/sw.js. It precaches the app shell and the device screens so /setup,
// /pos and /desk open with no network at all; API calls are never answered from a cache
// (the sync loop handles being offline); images are stale-while-revalidate. A new version
// waits until the page tells it to take over, which the page does only when no order is
// half rung up.
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { StaleWhileRevalidate } from 'workbox-strategies';
import { ExpirationPlugin } from 'workbox-expiration';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

// /api/* has no route on purpose: a request no route claims is never intercepted, so API
// calls (and the long-lived poke stream) go straight to the network, never via a cache.

precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/], cleanURLs: true });
cleanupOutdatedCaches();

registerRoute(
  ({ request }) => request.destination === 'image',
  new StaleWhileRevalidate({ cacheName: 'tandem-images', plugins: [new ExpirationPlugin({ maxEntries: 300, maxAgeSeconds: 30 * 24 * 3600 })] }),
);

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});
