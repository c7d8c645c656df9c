// Chromium benchmarks for the barista's screen (DESIGN §12, issue #4): tap-to-durable of
// a cash sale, offline cold start of /pos, and the JavaScript /pos ships. Each figure
// sits beside a baseline measured in the same run.
import { gzipSync } from 'node:zlib';
import type { Figure } from './sync-bench.ts';
import { bareIdbPuts, markCommits, ms, painted, pct } from './browser-baselines.ts';
import { describe, jsBudget, kb } from './js-budget.ts';
import { startAppServer } from '../fixtures/app-server.ts';
import { launchChromium } from '../fixtures/browser.ts';
import { addProduct, registerTablet, signInStaff } from '../fixtures/pos-driver.ts';


export async function benchBrowser(log: (s: string) => void, orders = 400): Promise<Figure[]> {
  const app = await startAppServer('pglite');
  const browser = await launchChromium();
  const figures: Figure[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const js = new Map<string, number>();
    page.on('response', async (r) => {
      if (r.url().endsWith('.js') && r.url().includes('/_astro/')) {
        try {
          js.set(r.url(), gzipSync(await r.body()).length);
        } catch {
          /* served from the service worker without a body here */
        }
      }
    });
    await registerTablet(page, app.url, 'Demo Café');
    await signInStaff(page, /Priya/, '1111');
    await page.waitForURL(/\/pos$/);
    await page.getByTestId('product').first().waitFor();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The bundles the /pos document itself loaded (the tab came from /setup, whose own
    // bundles the response listener above also saw).
    const posJs = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((u) => /\/_astro\/[^/]+\.js$/.test(new URL(u).pathname)));

    // Tap-to-durable: from the click on Cash to the order number on screen, which the POS
    // shows only after the sale and its outbox entries are committed to IndexedDB; and,
    // beside it, to the moment that commit resolved (the rest is rendering the receipt).
    // Every other sale the tap waits until the sheet showing the amount has been drawn,
    // as a person's tap does; the others tap at once, back to back with the click before.
    const samples: number[] = [];
    const committed: number[] = [];
    const backToBack: number[] = [];
    await markCommits(page);
    for (let i = 0; i < orders; i++) {
      await addProduct(page, i % 2 ? 'Butter croissant' : 'Espresso');
      await page.getByRole('button', { name: /^Charge/ }).click();
      await page.getByRole('button', { name: 'Exact' }).click();
      const asPerson = i % 2 === 0;
      if (asPerson) await painted(page);
      const t = await page.evaluate(
        () =>
          new Promise<[number, number]>((resolve) => {
            const btn = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Cash')!;
            const t0 = performance.now();
            const obs = new MutationObserver(() => {
              if (document.querySelector('[data-testid=order-number]')) {
                obs.disconnect();
                resolve([performance.now() - t0, ((globalThis as { __committedAt?: number }).__committedAt ?? NaN) - t0]);
              }
            });
            obs.observe(document.body, { childList: true, subtree: true });
            btn.click();
          }),
      );
      if (asPerson) {
        samples.push(t[0]);
        committed.push(t[1]);
      } else backToBack.push(t[0]);
      await page.getByRole('button', { name: 'New order' }).click();
    }
    // Baseline: one bare IndexedDB write of a small record, in the same page.
    const bare = await bareIdbPuts(page, 200);
    const n = samples.length;
    figures.push({ engine: 'pglite', what: `Chromium: tap Cash → durable in IndexedDB (p50 / p95, ${n} orders)`, value: `${ms(pct(samples, 50))} / ${ms(pct(samples, 95))}`, baseline: `${ms(pct(bare, 50))} bare IDB put`, ratio: (pct(samples, 95) / pct(bare, 50)).toFixed(1) });
    figures.push({ engine: 'pglite', what: `Chromium: of which until committed (p50 / p95)`, value: `${ms(pct(committed, 50))} / ${ms(pct(committed, 95))}`, baseline: `${ms(pct(bare, 50))} bare IDB put`, ratio: (pct(committed, 95) / pct(bare, 50)).toFixed(1) });
    figures.push({ engine: 'pglite', what: `Chromium: tap Cash back to back with the click before (p50 / p95, ${backToBack.length})`, value: `${ms(pct(backToBack, 50))} / ${ms(pct(backToBack, 95))}`, baseline: `${ms(pct(samples, 95))} p95 once drawn`, ratio: (pct(backToBack, 95) / pct(samples, 95)).toFixed(1) });
    log(`  chromium: tap-to-durable p95 ${ms(pct(samples, 95))} (committed ${ms(pct(committed, 95))}, the rest is rendering); back to back p95 ${ms(pct(backToBack, 95))}`);

    // JS shipped for /pos (gzip): every bundle the page loaded, and the part that is our
    // own code (src/**) rather than Dexie, zod, Svelte's runtime and workbox-window.
    const budget = jsBudget(posJs.map((u) => new URL(u).pathname));
    const tabJs = [...js.values()].reduce((s, n) => s + n, 0);
    figures.push({ engine: 'pglite', what: 'Chromium: JS shipped for /pos (gzip, all bundles)', value: kb(budget.total), baseline: '100 KB budget', ratio: (budget.total / 1024 / 100).toFixed(2) });
    figures.push({ engine: 'pglite', what: 'Chromium: our own JS in it (src/**, gzip share)', value: kb(budget.own), baseline: '100 KB budget', ratio: (budget.own / 1024 / 100).toFixed(2) });
    for (const l of describe(budget)) log(`  chromium: /pos JS ${l}`);
    log(`  chromium: the tab fetched ${kb(tabJs)} of JS from /setup to /pos`);

    // Cold start of /pos to interactive (products on screen): online, then offline.
    const cold = async (offline: boolean) => {
      const p = await context.newPage();
      await context.setOffline(offline);
      await p.goto(app.url + '/pos');
      await p.getByTestId('product').first().waitFor();
      const t = await p.evaluate(() => performance.now());
      await p.close();
      await context.setOffline(false);
      return t;
    };
    const online: number[] = [];
    const offline: number[] = [];
    for (let i = 0; i < 5; i++) {
      online.push(await cold(false));
      offline.push(await cold(true));
    }
    figures.push({ engine: 'pglite', what: 'Chromium: cold start of /pos, offline (median of 5)', value: ms(pct(offline, 50)), baseline: `${ms(pct(online, 50))} online`, ratio: (pct(offline, 50) / pct(online, 50)).toFixed(2) });
    log(`  chromium: offline cold start ${ms(pct(offline, 50))}`);
  } finally {
    await browser.close();
    await app.destroy();
  }
  return figures;
}
