// The browser suite's first check: the built server's pages load in Debian's Chromium
// with our security headers in force and no console errors (a CSP that blocked Astro's
// own scripts would show here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startAppServer, type AppServer } from '../fixtures/app-server.ts';
import { artifact, launchChromium } from '../fixtures/browser.ts';

describe('smoke in Chromium', () => {
  let app: AppServer;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startAppServer('pglite'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.destroy();
  });

  it('serves the front page', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(app.url + '/');
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expect(page.locator('h1').textContent()).resolves.toContain('Tandem');
    await page.screenshot({ path: artifact('home.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
