// Baselines the Chromium benchmarks share, measured in the same page as the figure.
import type { Page } from 'playwright-core';

export const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
export const ms = (x: number) => `${x.toFixed(1)} ms`;

/** `n` bare IndexedDB puts of a small record, each in its own transaction: the floor of "durable". */
export function bareIdbPuts(page: Page, n = 200): Promise<number[]> {
  return page.evaluate(async (count) => {
    const db: IDBDatabase = await new Promise((res, rej) => {
      const r = indexedDB.open(`bench-baseline-${Math.random()}`, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('x');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await new Promise<void>((res) => {
        const tx = db.transaction('x', 'readwrite');
        tx.objectStore('x').put({ i, at: Date.now() }, i);
        tx.oncomplete = () => res();
      });
      out.push(performance.now() - t0);
    }
    return out;
  }, n);
}

/**
 * Marks when the device app's runMany resolves (its transaction has committed), so a tap's
 * figure can be split into "durable" and "on screen": the screens show the order number or
 * the check-in only after it, and what follows is Svelte's rendering.
 */
export function markCommits(page: Page): Promise<void> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { __tandem: { runMany: (l: unknown[]) => Promise<number[]> }; __committedAt?: number };
    const run = g.__tandem.runMany.bind(g.__tandem);
    g.__tandem.runMany = async (list) => {
      const ids = await run(list);
      g.__committedAt = performance.now();
      return ids;
    };
  });
}

/**
 * Waits until the screen as it is now has been drawn (two animation frames): a person taps
 * a button they can see, so a tap measured "as a person taps" starts after the frame that
 * shows the previous step. A test driver's next click can land before it, while the
 * browser is still laying out and painting the previous step; that back-to-back figure is
 * printed beside it.
 */
export function painted(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
