// The barista's screen in Chromium against the built server (issue #4): ring up with
// modifiers and cash, the bar queue, offline (browser offline, and the server process
// killed) with a reload served by the service worker, a second tablet, sold-out items.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startAppServer, type AppServer } from '../fixtures/app-server.ts';
import { artifact, launchChromium } from '../fixtures/browser.ts';
import { addProduct, openTablet, payCash, scan, waitingOn } from '../fixtures/pos-driver.ts';

describe('the barista’s screen in Chromium', () => {
  let app: AppServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    [app, browser] = await Promise.all([startAppServer('pglite'), launchChromium()]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await app?.destroy();
  });

  async function tablet(name: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const t = await openTablet(browser, app.url, { location: 'Demo Café', name, staff: /Priya/, pin: '1111', screen: '/pos', ready: 'product' });
    contexts.push(t.context);
    return t;
  }

  const waiting = waitingOn;
  const numbers: string[] = [];
  let a: Awaited<ReturnType<typeof tablet>>;
  let b: Awaited<ReturnType<typeof tablet>>;

  it('rings up a large oat latte with an extra shot and a croissant, takes cash, and moves it through the queue', async () => {
    a = await tablet('Counter');
    await addProduct(a.page, 'Latte', ['Large', 'Oat', 'Extra shot']);
    await addProduct(a.page, 'Butter croissant');
    await expect(a.page.getByTestId('cart-line').count()).resolves.toBe(2);
    // $4.75 + 1.00 + 0.70 + 0.90 = $7.35, croissant $3.75 → $11.10 + 8.75% tax ($0.64 + $0.33) = $12.07
    await expect(a.page.getByTestId('cart-total').textContent()).resolves.toBe('$12.07');
    await a.page.screenshot({ path: artifact('pos.png') });
    numbers.push(await payCash(a.page));
    expect(numbers[0]).toMatch(/^[A-Z]{1,2}-0001$/);
    await a.page.getByRole('button', { name: 'New order' }).click();
    await a.page.getByRole('button', { name: 'Bar queue' }).click();
    const ticket = a.page.locator(`[data-testid=ticket][data-number="${numbers[0]}"]`);
    await expect(ticket.getAttribute('data-status')).resolves.toBe('received');
    await ticket.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => ticket.getAttribute('data-status')).toBe('in_progress');
    await ticket.getByRole('button', { name: 'Ready' }).click();
    await expect.poll(() => ticket.getAttribute('data-status')).toBe('ready');
    await a.page.screenshot({ path: artifact('queue.png') });
    if (process.env.E2E_CONSOLE === '1') {
      console.log('locks', JSON.stringify(await a.page.evaluate(() => navigator.locks.query())));
      console.log('engine', JSON.stringify(await a.page.evaluate(() => (globalThis as { __tandem?: { engine: { status: unknown } } }).__tandem?.engine.status)));
    }
    await expect.poll(() => waiting(a.page), { timeout: 10_000 }).toBe(0);
    await a.page.getByRole('button', { name: 'Register' }).click();
  });

  it('keeps three orders rung up offline through a reload, and sends them when back online', async () => {
    await a.context.setOffline(true);
    await a.page.screenshot({ path: artifact('debug-offline-start.png') });
    for (const p of ['Banana bread', 'Blueberry muffin', 'Butter croissant']) {
      await addProduct(a.page, p);
      numbers.push(await payCash(a.page));
      await a.page.getByRole('button', { name: 'New order' }).click();
    }
    await expect.poll(() => waiting(a.page)).toBeGreaterThanOrEqual(6); // order.create + payCash each
    await a.page.reload(); // no network: the service worker serves /pos
    await a.page.getByTestId('product').first().waitFor();
    await expect(waiting(a.page)).resolves.toBeGreaterThanOrEqual(6);
    // recovery: the waiting changes can be saved as a file for a manager to import
    await a.page.getByTestId('sync-chip').getByRole('button', { expanded: false }).click();
    const [download] = await Promise.all([a.page.waitForEvent('download'), a.page.getByRole('button', { name: 'Export waiting changes' }).click()]);
    const file = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    expect(file).toMatchObject({ kind: 'tandem-outbox', version: 1 });
    expect(file.mutations.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['order.create', 'order.payCash']));
    expect(file.mutations.length).toBe(await waiting(a.page));
    await a.page.getByTestId('sync-chip').getByRole('button', { expanded: true }).click();
    await a.context.setOffline(false);
    await a.page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect.poll(() => waiting(a.page), { timeout: 20_000 }).toBe(0);
  });

  it('keeps working with the server process killed, and a second tablet sees the orders when it returns', async () => {
    b = await tablet('Bar');
    await b.page.getByRole('button', { name: 'Bar queue' }).click();
    await app.stop();
    await a.page.reload(); // the server is gone: the service worker serves /pos
    await a.page.getByTestId('product').first().waitFor();
    for (const p of ['Cinnamon roll', 'Pain au chocolat']) {
      await addProduct(a.page, p);
      numbers.push(await payCash(a.page));
      await a.page.getByRole('button', { name: 'New order' }).click();
    }
    await expect.poll(() => waiting(a.page)).toBeGreaterThanOrEqual(4);
    await app.start();
    const started = Date.now();
    for (const n of numbers.slice(-2)) {
      await b.page.locator(`[data-testid=ticket][data-number="${n}"]`).waitFor({ timeout: 20_000 });
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`second tablet saw the orders ${seconds.toFixed(1)} s after the server came back`);
    expect(seconds).toBeLessThan(20);
    await b.page.screenshot({ path: artifact('queue-second-tablet.png') });
  });

  it('a sold-out product on one tablet is disabled on the other', async () => {
    await b.page.getByRole('button', { name: 'Register' }).click();
    await b.page.getByRole('button', { name: '86 an item' }).click();
    await b.page.getByRole('button', { name: /^Mocha/ }).click();
    await b.page.getByRole('button', { name: 'Done with 86' }).click();
    await expect(b.page.getByRole('button', { name: /^Mocha/ }).getAttribute('aria-label')).resolves.toContain('sold out');
    await expect.poll(() => waiting(b.page), { timeout: 15_000 }).toBe(0); // it reached the server
    const mocha = a.page.getByRole('button', { name: /^Mocha/ });
    await expect.poll(() => mocha.isDisabled(), { timeout: 15_000 }).toBe(true);
    await expect(mocha.getAttribute('aria-label')).resolves.toContain('sold out');
  });

  let rewardNumber = '';
  it('finds a loyalty customer by name without accents and takes a reward off the order', async () => {
    await addProduct(b.page, 'Butter croissant');
    await addProduct(b.page, 'Butter croissant');
    await expect(b.page.getByTestId('cart-total').textContent()).resolves.toBe('$8.16');
    await b.page.getByRole('button', { name: 'Add customer (loyalty)' }).click();
    await b.page.getByRole('textbox', { name: 'Find a customer' }).fill('zoe mu');
    await b.page.getByRole('button', { name: /Zoë Müller/ }).click();
    await expect.poll(() => b.page.getByTestId('points').textContent()).toBe('100 pts');
    await b.page.getByRole('button', { name: /^Redeem reward/ }).click();
    await expect(b.page.getByTestId('cart-discount').textContent()).resolves.toBe('−$5.00');
    await expect(b.page.getByTestId('cart-total').textContent()).resolves.toBe('$3.16');
    rewardNumber = await payCash(b.page);
    numbers.push(rewardNumber);
    await b.page.getByRole('button', { name: 'New order' }).click();
    await expect.poll(() => waiting(b.page), { timeout: 15_000 }).toBe(0);
  });

  it('works with a keyboard and a USB scanner alone', async () => {
    const p = b.page;
    await scan(p, 'M-0002'); // a member's card, scanned with nothing focused
    await expect.poll(() => p.getByText('For José Álvarez').isVisible()).toBe(true);
    await p.getByRole('textbox', { name: /Search products/ }).focus();
    await p.keyboard.type('Espresso');
    await p.keyboard.press('Enter'); // one match: its options sheet opens with "Add" focused
    const sheet = p.getByRole('dialog', { name: /Choose options for Espresso/ });
    await sheet.waitFor();
    await p.keyboard.press('Enter');
    await sheet.waitFor({ state: 'detached' });
    await expect(p.getByTestId('cart-line').count()).resolves.toBe(1);
    await expect(p.getByRole('button', { name: 'Add customer (loyalty)' }).count()).resolves.toBe(0); // the customer is attached
    await p.getByRole('button', { name: /^Charge/ }).focus();
    await p.keyboard.press('Enter');
    const tender = p.getByRole('dialog', { name: 'Take payment' });
    await tender.waitFor();
    await p.keyboard.press('Escape'); // back to the order, nothing paid
    await tender.waitFor({ state: 'detached' });
    await p.getByRole('button', { name: /^Charge/ }).focus();
    await p.keyboard.press('Enter');
    await p.keyboard.type('5'); // the amount field has focus
    await p.keyboard.press('Enter');
    numbers.push((await p.getByTestId('order-number').textContent())!.trim());
    await expect(p.getByText(/^Change/).textContent()).resolves.toMatch(/^Change \$1\.\d\d$/);
    await p.getByRole('button', { name: 'New order' }).click();
  });

  let cardNumber = '';
  it('takes a card on the demo reader: a decline says why, then part card with a tip, the rest cash', async () => {
    const p = b.page;
    await addProduct(p, 'Banana bread'); // $4.00 + 8.75% = $4.35
    await expect(p.getByTestId('cart-total').textContent()).resolves.toBe('$4.35');
    await p.getByRole('button', { name: /^Charge/ }).click();
    await expect(p.getByTestId('demo-reader').textContent()).resolves.toBe('Demo reader — no money moves');
    // $2.51 ends in 51: the demo reader declines it for insufficient funds, like Stripe's test card
    await p.getByLabel('Card amount').fill('2.51');
    await p.getByRole('button', { name: 'Card $2.51' }).click();
    const step = p.getByTestId('card-step');
    await expect.poll(() => step.getAttribute('data-step'), { timeout: 15_000 }).toBe('declined');
    await expect(step.textContent()).resolves.toContain('insufficient funds');
    await expect(p.getByRole('button', { name: 'Back to order' }).count()).resolves.toBe(0); // the order is saved now
    await p.screenshot({ path: artifact('card-declined.png') });
    // part card ($3.00 with a 10% tip on the reader), the rest in cash
    await p.getByLabel('Card amount').fill('3.00');
    await p.getByRole('radio', { name: '10% tip' }).click();
    await p.getByRole('button', { name: 'Card $3.00' }).click();
    await expect.poll(() => p.getByTestId('card-paid').textContent(), { timeout: 15_000 }).toBe('Card paid $3.00 of $4.35.');
    await expect(p.getByTestId('tender-total').textContent()).resolves.toBe('$1.35');
    await p.getByRole('button', { name: 'Exact' }).click();
    await p.getByRole('button', { name: 'Cash', exact: true }).click();
    await expect(p.getByTestId('card-approved').textContent()).resolves.toBe('Card approved $3.30 (tip $0.30)');
    cardNumber = (await p.getByTestId('order-number').textContent())!.trim();
    numbers.push(cardNumber);
    await p.getByRole('button', { name: 'New order' }).click();
    await expect.poll(() => waiting(p), { timeout: 15_000 }).toBe(0);
  });

  let bigNumber = '';
  it('rings up one sale of 60 different lines (a catering order) in a single tap of Cash', async () => {
    // Each line is one IndexedDB write after another in the sale's transaction; from about
    // 49 of them Dexie used to lose the transaction half-way ("Transaction committed too early").
    const c = await tablet('Catering');
    const extras = [[], ['Extra shot'], ['Vanilla syrup'], ['Caramel syrup'], ['Extra shot', 'Vanilla syrup']];
    for (const size of ['Small', 'Medium', 'Large']) {
      for (const milk of ['Whole', 'Oat', 'Almond', 'Skim']) {
        for (const e of extras) await addProduct(c.page, 'Latte', [size, milk, ...e]);
      }
    }
    await expect(c.page.getByTestId('cart-line').count()).resolves.toBe(60);
    bigNumber = await payCash(c.page);
    numbers.push(bigNumber);
    await expect.poll(() => waiting(c.page), { timeout: 20_000 }).toBe(0);
    expect(c.errors).toEqual([]);
  });

  it('the server has each order exactly once, with the right totals and stock moved by the recipes', async () => {
    await expect.poll(() => waiting(a.page), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => waiting(b.page), { timeout: 20_000 }).toBe(0);
    await app.stop();
    const db = await app.openDb();
    try {
      const orders = (await db.query<{ id: string; number: string; total_cents: number; payment_status: string }>(
        `select id, number, total_cents, payment_status from public.orders where number = any($1) order by number`, [numbers])).rows;
      expect(orders.map((o) => o.number).sort()).toEqual([...numbers].sort());
      expect(orders.find((o) => o.number === numbers[0])!.total_cents).toBe(1207);
      expect(orders.every((o) => o.payment_status === 'paid')).toBe(true);
      const card = (await db.query(`select p.method, p.amount_cents, p.tip_cents from public.payments p join public.orders o on o.id = p.order_id where o.number = $1 and p.status = 'succeeded' order by p.method`, [cardNumber])).rows;
      expect(card).toEqual([{ method: 'card', amount_cents: 300, tip_cents: 30 }, { method: 'cash', amount_cents: 135, tip_cents: 0 }]);
      expect((await db.query(`select tip_cents from public.orders where number = $1`, [cardNumber])).rows).toEqual([{ tip_cents: 30 }]);
      const big = (await db.query(`select count(*)::int as n from public.order_items i join public.orders o on o.id = i.order_id where o.number = $1`, [bigNumber])).rows;
      expect(big).toEqual([{ n: 60 }]);
      const reward = (await db.query(`select total_cents, discount_cents from public.orders where number = $1`, [rewardNumber])).rows[0];
      expect(reward).toEqual({ total_cents: 316, discount_cents: 500 });
      const dupes = (await db.query(`select number from public.orders group by number having count(*) > 1`)).rows;
      expect(dupes).toEqual([]);
      // stock: each order's sale movements equal its recipes (product + modifiers) × quantity
      const wrong = (await db.query(
        `with want as (
           select oi.order_id, r.item_id, -sum(r.quantity * oi.quantity)::int as delta
           from public.order_items oi
           join lateral (
             select rl.item_id, rl.quantity from public.recipe_lines rl where rl.product_id = oi.product_id and not rl.deleted
             union all
             select rl.item_id, rl.quantity from public.recipe_lines rl
             join jsonb_array_elements(oi.modifiers) m on (m->>'id')::uuid = rl.modifier_id where not rl.deleted
           ) r on true
           where oi.order_id = any($1) group by 1, 2 having sum(r.quantity * oi.quantity) <> 0),
         got as (select order_id, item_id, sum(delta)::int as delta from public.stock_movements where reason = 'sale' and order_id = any($1) group by 1, 2)
         select * from want full join got using (order_id, item_id) where want.delta is distinct from got.delta`,
        [orders.map((o) => o.id)])).rows;
      expect(wrong).toEqual([]);
      const moved = (await db.query<{ n: number }>(`select count(*)::int as n from public.stock_movements where reason = 'sale' and order_id = any($1)`, [orders.map((o) => o.id)])).rows[0].n;
      expect(moved).toBeGreaterThan(5);
    } finally {
      await db.close();
      await app.start();
    }
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
