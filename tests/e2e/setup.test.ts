// Tablet setup in Chromium: a manager registers the tablet, staff sign in with a PIN that
// is checked on the tablet, and repeated wrong PINs lock that person out for a while.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startAppServer, type AppServer } from '../fixtures/app-server.ts';
import { artifact, launchChromium } from '../fixtures/browser.ts';
import { registerTablet } from '../fixtures/pos-driver.ts';

describe('tablet setup and staff PINs in Chromium', () => {
  let app: AppServer;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startAppServer('pglite'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.destroy();
  });

  const enter = async (page: import('playwright-core').Page, pin: string) => {
    for (const d of pin) await page.getByRole('button', { name: d, exact: true }).click();
    await page.getByRole('button', { name: 'OK' }).click();
  };

  it('locks a staff member out after five wrong PINs, offline, and lets the right one in otherwise', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await registerTablet(page, app.url, 'Demo Café', 'Till');
    await expect(page.getByRole('button', { name: /Marcus Bell/ }).count()).resolves.toBe(1); // the manager works here
    await expect(page.getByRole('button', { name: /Jordan Lee/ }).count()).resolves.toBe(0); // front desk works at the studio
    await context.setOffline(true); // PINs are checked on the tablet
    await page.getByRole('button', { name: /Priya/ }).click();
    const alert = () => page.getByRole('alert').textContent();
    for (let i = 0; i < 4; i++) {
      await enter(page, '9999');
      await expect.poll(alert).toContain('not right');
    }
    await enter(page, '9999');
    await expect.poll(alert).toContain('Wait 30 seconds');
    await enter(page, '1111'); // the right PIN, but locked
    await expect.poll(alert).toContain('Wait a moment');
    await expect(page.url()).toContain('/setup');
    await page.screenshot({ path: artifact('pin-locked.png') });
    // another staff member is not affected
    await page.getByRole('button', { name: /Not Priya/ }).click();
    await page.getByRole('button', { name: /Tomás/ }).click();
    await enter(page, '1112');
    await page.waitForURL(/\/pos$/);
    await page.getByTestId('product').first().waitFor();
    await context.close();
  });
});
