// People and plans in the manager's console, in Chromium (issue #7): add a barista who
// works at the café and give them a PIN (hashed in the page: the tablets can verify it
// offline, the PIN itself is stored nowhere), add a plan, merge a member recorded twice,
// and give a member's class pack a class back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { verifyPin } from '../../src/shared/domain/pin.ts';
import { startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import { artifact, launchChromium } from '../fixtures/browser.ts';

describe('people and plans in the manager’s console', () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    [app, browser] = await Promise.all([startAppServer('pglite'), launchChromium()]);
    // a member recorded twice, as two desks offline would: the duplicate has a booking
    await app.stop();
    const db = await app.openDb();
    const [{ id }] = (await db.query<{ id: string }>(`insert into public.customers (organization_id, name, phone) values ($1, 'Grace Park', '+1 646-555-0999') returning id`, [app.seed.organizationId])).rows;
    await db.query(
      `insert into public.bookings (id, location_id, session_id, customer_id, status)
       select gen_random_uuid(), $1, s.id, $2, 'booked' from public.class_sessions s where s.location_id = $1 and s.starts_at > now() + interval '3 days' and not s.cancelled order by s.starts_at limit 1`,
      [app.seed.studioLocationId, id],
    );
    await db.close();
    await app.start();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await app?.destroy();
  });

  it('adds a barista with a PIN, adds a plan, and merges a duplicate member', async () => {
    await page.goto(app.url + '/manager/people');
    await page.getByLabel('Email').fill(DEMO_MANAGER_EMAIL);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Location').selectOption({ label: 'Demo Café' });
    await page.getByRole('button', { name: 'Add a person' }).click();
    const form = page.getByRole('form', { name: 'Person' });
    await form.getByLabel('Name').fill('Nina Newhire');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('[data-testid=staff][data-name="Nina Newhire"]');
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Demo Café');
    await row.getByRole('button', { name: 'Set PIN' }).click();
    await row.getByLabel('New PIN for Nina Newhire').fill('2468');
    await row.getByRole('button', { name: 'Save PIN' }).click();
    await expect.poll(() => row.textContent()).toContain('set');

    await page.getByRole('button', { name: 'Add a plan' }).click();
    const plan = page.getByRole('form', { name: 'Plan' });
    await plan.getByLabel('Name').fill('3-class intro');
    await plan.getByLabel('Classes').fill('3');
    await plan.getByLabel('Valid for (days)').fill('30');
    await plan.getByLabel('Price').fill('39.00');
    await plan.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('plan').filter({ hasText: '3-class intro' }).textContent()).toContain('$39.00');

    await page.getByLabel('Record to remove').fill('0999');
    await page.getByRole('region', { name: 'Merge members' }).getByRole('button', { name: /Grace Park/ }).first().click();
    await page.getByLabel('Record to keep').fill('grace park');
    // both records match the name: keep the one that is not being removed (the seeded member, 212 number)
    const keep = page.getByRole('region', { name: 'Merge members' }).getByRole('button', { name: /Grace Park/ }).filter({ hasText: '212-555' });
    await keep.click();
    await page.screenshot({ path: artifact('manager-people.png'), fullPage: true });
    await page.getByRole('button', { name: /^Merge Grace Park into Grace Park/ }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Merged into Grace Park');

    // a member's pass: one class given back
    const passes = page.getByRole('region', { name: 'Member passes' });
    await passes.getByLabel('Find a member').fill('zoe');
    await passes.getByRole('button', { name: /Zoë Müller/ }).click();
    const pack = passes.locator('[data-testid=member-pass][data-plan="10-class pack"]');
    await pack.waitFor();
    const left = Number((await pack.getByTestId('credits-left').textContent())!.split(' ')[0]);
    await pack.getByRole('button', { name: 'Correct' }).click();
    const fix = passes.getByRole('form', { name: 'Correct 10-class pack' });
    await fix.getByLabel(/Classes to add/).fill('1');
    await fix.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Zoë Müller’s 10-class pack: +1 class.');
    await expect.poll(() => pack.getByTestId('credits-left').textContent()).toBe(`${left + 1} of 10`);
    expect(errors).toEqual([]);
  });

  it('wrote what the page said, through the audited mutators', async () => {
    await app.stop();
    const db = await app.openDb();
    try {
      const [nina] = (await db.query<any>(`select s.role, s.pin_hash, s.pin_salt, s.pin_iterations, array_agg(sl.location_id) as locs from public.staff s join public.staff_locations sl on sl.staff_id = s.id where s.name = 'Nina Newhire' group by s.id`)).rows;
      expect(nina).toMatchObject({ role: 'barista', locs: [app.seed.cafeLocationId] });
      expect(await verifyPin('2468', nina)).toBe(true);
      expect(await verifyPin('1111', nina)).toBe(false);
      expect((await db.query(`select kind, credits, duration_days, price_cents from public.plans where name = '3-class intro'`)).rows).toEqual([{ kind: 'pack', credits: 3, duration_days: 30, price_cents: 3900 }]);
      const graces = (await db.query<{ deleted: boolean; n: number }>(`select c.deleted, (select count(*)::int from public.bookings b where b.customer_id = c.id) as n from public.customers c where c.name = 'Grace Park' order by c.deleted`)).rows;
      expect(graces.map((g) => g.deleted)).toEqual([false, true]);
      expect(graces[1].n).toBe(0); // the removed record holds nothing now
      expect((await db.query(`select action from public.audit_log where action in ('staff.save', 'staff.setPin', 'plan.save', 'customer.merge', 'pass.adjust') order by action`)).rows.map((r: any) => r.action))
        .toEqual(['customer.merge', 'pass.adjust', 'plan.save', 'staff.save', 'staff.setPin']);
    } finally {
      await db.close();
      await app.start();
    }
  });
});
