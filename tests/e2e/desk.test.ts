// The front desk in Chromium against the built server (issue #5): with the server process
// killed, five students are checked in (two found by search, one by a scanned card, one
// walk-in sold a drop-in, one past capacity); when the server returns it has the five
// check-ins, one credit spent on each pass, one reconciliation item for the overbooking,
// and a second desk tablet shows the same roster. Back online, a student with no pass buys
// a class pack by card on the demo reader and is checked in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startAppServer, type AppServer } from '../fixtures/app-server.ts';
import { artifact, launchChromium } from '../fixtures/browser.ts';
import { openTablet, scan, waitingOn } from '../fixtures/pos-driver.ts';

describe('the front desk in Chromium', () => {
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

  async function desk(name: string): Promise<{ page: Page; errors: string[] }> {
    const t = await openTablet(browser, app.url, { location: 'Demo Studio', name, staff: /Jordan/, pin: '3333', screen: '/desk', ready: 'class' });
    contexts.push(t.context);
    return t;
  }

  const waiting = waitingOn;
  const roster = (page: Page) =>
    page.getByTestId('roster-entry').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-name')}:${e.getAttribute('data-status')}`).sort());
  const namesWith = async (page: Page, status: string) =>
    page.locator(`[data-testid=roster-entry][data-status=${status}]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-name')!));
  /** Tomorrow's small class: three places, all booked, two on the waitlist (the demo's). */
  async function openSmallClass(page: Page) {
    if ((await page.getByTestId('day').textContent()) === 'Today') await page.getByRole('button', { name: 'Next day' }).click();
    await page.getByTestId('class').filter({ hasText: 'Studio Nook' }).click();
    await page.getByRole('region', { name: /Roster for .* at 12:00/ }).waitFor();
    await expect.poll(() => page.getByTestId('roster-entry').count()).toBeGreaterThanOrEqual(5);
  }
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

  let a: { page: Page; errors: string[] };
  const checkedIn: string[] = [];
  let walkIn = '';
  let over = '';

  it('checks in five students with the server stopped: search, scan, walk-in with a drop-in, past capacity', async () => {
    a = await desk('Front desk');
    const p = a.page;
    await openSmallClass(p);
    await expect(p.getByTestId('roster-counts').textContent()).resolves.toContain('3/3 booked');
    await expect.poll(() => p.getByTestId('roster-entry').count()).toBe(5);
    const booked = await namesWith(p, 'booked');
    const waitlisted = await namesWith(p, 'waitlisted');
    expect(booked).toHaveLength(3);
    expect(waitlisted).toHaveLength(2);
    const codes = await p.evaluate(async (names) => {
      const db = (globalThis as unknown as { __tandem: { db: { table(n: string): { where(i: string): { equals(v: string): { first(): Promise<{ code: string }> } } } } } }).__tandem.db;
      return Promise.all(names.map(async (n) => (await db.table('customers').where('name').equals(n).first()).code));
    }, booked);

    await app.stop(); // the studio's server is gone; the desk carries on

    // two found by search: typed without accents, the second with a typo
    for (const [i, typed] of [fold(booked[0]), fold(booked[1]).replace(/[aeiou](?=[^aeiou]*$)/, '')].entries()) {
      await p.getByRole('searchbox', { name: 'Find a student' }).fill(typed);
      await p.getByRole('listbox', { name: 'Matching students' }).getByRole('button', { name: new RegExp(booked[i]) }).click();
      const sheet = p.getByRole('dialog', { name: `Member ${booked[i]}` });
      await sheet.getByRole('button', { name: /^Check in/ }).click();
      await sheet.waitFor({ state: 'detached' });
      await expect(p.getByTestId('toast').textContent()).resolves.toContain(`${booked[i]} is checked in`);
      checkedIn.push(booked[i]);
    }
    // one by a scanned card (a USB scanner types the code fast and presses Enter)
    await scan(p, codes[2]);
    await expect.poll(() => p.getByTestId('toast').textContent()).toContain(`${booked[2]} is checked in`);
    checkedIn.push(booked[2]);
    await p.screenshot({ path: artifact('desk.png') });

    // a walk-in who is new: one short form, a drop-in sold for cash, checked in to the morning class
    await p.getByTestId('class').first().click();
    await p.getByRole('region', { name: /Roster for .* at 07:00/ }).getByRole('button', { name: 'Walk-in' }).click();
    walkIn = 'Walker Nakamura';
    const form = p.getByRole('dialog', { name: 'New member' });
    await form.getByLabel('Name').fill(walkIn);
    await form.getByLabel('Phone (optional)').fill('+1 212-555-0199');
    await form.getByRole('button', { name: 'Add member' }).click();
    const sale = p.getByRole('dialog', { name: `Sell a pass to ${walkIn}` });
    await sale.getByRole('radio', { name: /Drop-in/ }).click();
    await sale.getByRole('button', { name: /^Cash \$22\.00 and check in/ }).click();
    await expect.poll(() => p.getByTestId('toast').textContent()).toContain(`${walkIn} is checked in`);
    await expect(p.locator(`[data-testid=roster-entry][data-name="${walkIn}"]`).getAttribute('data-status')).resolves.toBe('checked_in');

    // past capacity: the first on the waitlist is in the room anyway
    await openSmallClass(p);
    over = waitlisted[0];
    await p.getByRole('button', { name: `Check in ${over}` }).click();
    const confirm = p.getByRole('alertdialog', { name: 'Class is full' });
    await expect(confirm.textContent()).resolves.toContain('is full (3 of 3)');
    await confirm.getByRole('button', { name: 'Check in anyway' }).click();
    await expect.poll(() => namesWith(p, 'checked_in')).toEqual(expect.arrayContaining([...checkedIn, over]));
    checkedIn.push(over);
    await expect(p.getByTestId('roster-counts').textContent()).resolves.toContain('4/3 booked · 4 in');
    expect(await waiting(p)).toBeGreaterThanOrEqual(6); // customer, pass sale and five check-ins, still queued
    await p.screenshot({ path: artifact('desk-offline.png') });

    await app.start();
    await expect.poll(() => waiting(p), { timeout: 20_000 }).toBe(0);
  });

  it('the server has the five check-ins, one credit spent each, and one overbooking to review', async () => {
    await app.stop();
    const db = await app.openDb();
    try {
      const names = [...checkedIn, walkIn];
      const rows = (await db.query<{ name: string; status: string; kind: string | null; spent: number; booking_id: string }>(
        `select c.name, b.status, p.kind, b.id as booking_id,
                (select count(*)::int from public.credit_ledger l where l.booking_id = b.id and l.reason = 'check_in' and not l.deleted) as spent
         from public.bookings b join public.customers c on c.id = b.customer_id
         left join public.customer_passes p on p.id = b.pass_id
         where c.name = any($1) and b.status = 'checked_in' and b.checked_in_at > now() - interval '1 hour'`,
        [names],
      )).rows;
      expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
      for (const r of rows) expect(r.spent, r.name).toBe(r.kind === 'unlimited' ? 0 : 1);
      expect(rows.find((r) => r.name === walkIn)?.kind).toBe('drop_in');
      const sold = (await db.query(`select pl.name, pay.amount_cents from public.customer_passes cp join public.customers c on c.id = cp.customer_id join public.plans pl on pl.id = cp.plan_id join public.payments pay on pay.location_id = cp.sold_at_location_id and pay.method = 'cash' and pay.amount_cents = pl.price_cents where c.name = $1`, [walkIn])).rows;
      expect(sold).toEqual([{ name: 'Drop-in', amount_cents: 2200 }]);
      const recon = (await db.query<{ kind: string; booking_id: string }>(`select kind, booking_id from public.reconciliation_items where kind in ('over_capacity','pass_overdraft','rejected_mutation')`)).rows;
      expect(recon).toEqual([{ kind: 'over_capacity', booking_id: rows.find((r) => r.name === over)!.booking_id }]);
    } finally {
      await db.close();
      await app.start();
    }
  });

  it('a second desk tablet shows the same roster', async () => {
    const b = await desk('Studio door');
    await openSmallClass(b.page);
    await openSmallClass(a.page);
    await expect.poll(() => roster(b.page)).toEqual(await roster(a.page));
    expect(await namesWith(b.page, 'checked_in')).toHaveLength(4);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('online: a student with no pass buys a class pack by card on the demo reader and is checked in', async () => {
    const p = a.page;
    await p.getByTestId('class').first().click();
    await p.getByRole('region', { name: /Roster for .* at 07:00/ }).waitFor();
    const student = 'Olivia Bennett';
    await p.getByRole('searchbox', { name: 'Find a student' }).fill('olivia ben');
    await p.getByRole('listbox', { name: 'Matching students' }).getByRole('button', { name: new RegExp(student) }).click();
    await p.getByRole('dialog', { name: `Member ${student}` }).getByRole('button', { name: 'Sell a pass and check in' }).click();
    const sale = p.getByRole('dialog', { name: `Sell a pass to ${student}` });
    await sale.getByRole('radio', { name: /5-class pack/ }).click();
    await sale.getByTestId('demo-reader').waitFor();
    await sale.getByRole('button', { name: 'Card and check in' }).click();
    await expect.poll(() => p.getByTestId('toast').textContent(), { timeout: 20_000 }).toContain(`${student} is checked in`);
    await sale.waitFor({ state: 'detached' });
    await expect(p.locator(`[data-testid=roster-entry][data-name="${student}"]`).getAttribute('data-status')).resolves.toBe('checked_in');
    await expect.poll(() => waiting(p), { timeout: 20_000 }).toBe(0);

    await app.stop();
    const db = await app.openDb();
    try {
      const rows = (await db.query(
        `select pl.name as plan, pay.method, pay.amount_cents, pay.stripe_payment_intent_id like 'pi_demo%' as demo,
                (select sum(delta)::int from public.credit_ledger l where l.pass_id = cp.id and not l.deleted) as credits_left,
                (select count(*)::int from public.bookings b where b.pass_id = cp.id and b.status = 'checked_in') as used_for
         from public.customer_passes cp join public.customers c on c.id = cp.customer_id join public.plans pl on pl.id = cp.plan_id
         join public.payments pay on pay.pass_id = cp.id where c.name = $1`,
        [student],
      )).rows;
      expect(rows).toEqual([{ plan: '5-class pack', method: 'card', amount_cents: 10_000, demo: true, credits_left: 4, used_for: 1 }]);
    } finally {
      await db.close();
      await app.start();
    }
    expect(a.errors).toEqual([]);
  });
});
