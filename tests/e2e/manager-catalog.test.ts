// The manager's menu, stock and schedule pages in Chromium against the built server (issue
// #7): at the café the manager adds a product, changes a price, adds a milk option with
// its recipe and gives the new product options and a recipe, is refused a zero delivery
// with the server's message, receives the almond milk that was delivered short (it leaves
// the low-stock list) and counts the oranges; at the studio they add a weekly class for
// three weeks, cancel the first and put a substitute on the second. The browser runs in
// Tokyo's timezone, so the class times must be the studio's (New York) wall clock, not the
// page's. Then the rows and the audit log are read from the database. Screenshots go to
// tests/e2e/artifacts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import { artifact, launchChromium } from '../fixtures/browser.ts';

const STUDIO_TZ = 'America/New_York';

/** The studio's civil date `days` after its today, and that day's weekday name. */
function studioDay(days: number) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: STUDIO_TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date()).map((x) => [x.type, x.value]),
  );
  const d = new Date(Date.UTC(+p.year, +p.month - 1, +p.day + days));
  return { date: d.toISOString().slice(0, 10), weekday: d.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }) };
}

describe('the manager’s menu, stock and schedule in Chromium', () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let dialog = '';

  beforeAll(async () => {
    [app, browser] = await Promise.all([startAppServer('pglite'), launchChromium()]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Tokyo' })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.destroy();
  });

  it('adds a product and changes a price on the café’s menu', async () => {
    await page.goto(app.url + '/manager/catalog');
    await page.getByLabel('Email').fill(DEMO_MANAGER_EMAIL);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Menu and stock · Demo Café' }).waitFor();
    await expect(page.getByRole('link', { name: 'Menu & stock' }).getAttribute('aria-current')).resolves.toBe('page');

    const add = page.getByRole('form', { name: 'Add a product' });
    await add.getByLabel('Name').fill('Cardamom bun');
    await add.getByLabel('Price').fill('4.25');
    await add.getByLabel('Category').selectOption({ label: 'Pastries' });
    await add.getByRole('button', { name: 'Add product' }).click();
    await page.getByRole('status').filter({ hasText: 'Added Cardamom bun at $4.25.' }).waitFor();
    const bun = page.getByTestId('product').filter({ hasText: 'Cardamom bun' });
    await expect(bun.getByTestId('price').textContent()).resolves.toBe('$4.25');
    await expect(bun.textContent()).resolves.toContain('Pastries');

    const flat = page.getByTestId('product').filter({ hasText: 'Flat white' });
    await expect(flat.getByTestId('price').textContent()).resolves.toBe('$4.50');
    await flat.getByRole('button', { name: 'Edit' }).click();
    const editing = page.locator('[data-testid=product].editing');
    await editing.getByLabel('Price').fill('4.80');
    await editing.getByRole('button', { name: 'Save' }).click();
    await editing.waitFor({ state: 'detached' });
    await expect(flat.getByTestId('price').textContent()).resolves.toBe('$4.80');
  });

  it('receives the almond milk delivered short: refused at zero, then off the low-stock list', async () => {
    const low = page.getByTestId('low-item').filter({ hasText: 'Almond milk' });
    await expect(low.textContent()).resolves.toContain('1,500 ml');
    await page.screenshot({ path: artifact('manager-catalog.png'), fullPage: true }); // with something on the low-stock list
    await low.getByRole('button', { name: 'Receive stock' }).click();
    await low.getByLabel('Received (ml)').fill('0');
    await low.getByRole('button', { name: 'Add to stock' }).click();
    // the server's own refusal, shown as it said it
    await expect(page.getByRole('alert').textContent()).resolves.toContain('A stock change cannot be zero.');
    await low.getByLabel('Received (ml)').fill('6000');
    await low.getByRole('button', { name: 'Add to stock' }).click();
    await low.waitFor({ state: 'detached' });
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    const milk = page.getByTestId('stock-item').filter({ hasText: 'Almond milk' });
    await expect(milk.getByTestId('level').textContent()).resolves.toBe('7,500 ml');

    const oranges = page.getByTestId('stock-item').filter({ hasText: 'Oranges' });
    await oranges.getByRole('button', { name: 'Enter a count' }).click();
    await oranges.getByLabel('Counted (each)').fill('55');
    await oranges.getByRole('button', { name: 'Save count' }).click();
    // the page says so only once it has the server's rows again
    await page.getByRole('status').filter({ hasText: 'Counted 55 of Oranges.' }).waitFor();
    await expect(oranges.getByTestId('level').textContent()).resolves.toBe('55');
  });

  it('adds a milk option with its own recipe, and gives the new bun options and a recipe', async () => {
    const milk = page.getByTestId('option-group').filter({ has: page.getByRole('heading', { name: /^Milk/ }) });
    const addOption = milk.getByRole('form', { name: 'Add an option to Milk' });
    await addOption.getByLabel('New option').fill('Macadamia');
    await addOption.getByLabel('Its price change').fill('0.80');
    await addOption.getByRole('button', { name: 'Add option' }).click();
    await page.getByRole('status').filter({ hasText: 'Added Macadamia to Milk.' }).waitFor();
    const mac = milk.getByTestId('option').filter({ hasText: 'Macadamia' });
    await expect(mac.getByTestId('delta').textContent()).resolves.toBe('+$0.80');
    await mac.getByRole('button', { name: 'Recipe' }).click();
    const recipe = page.getByRole('form', { name: 'Recipe: Macadamia' });
    await recipe.getByRole('button', { name: 'Add a stock item' }).click();
    await recipe.getByLabel('Stock item').selectOption({ label: 'Almond milk' });
    await recipe.getByLabel('Amount (ml)').fill('0');
    await recipe.getByRole('button', { name: 'Save recipe' }).click();
    await expect(recipe.getByRole('alert').textContent()).resolves.toContain('not zero');
    await recipe.getByLabel('Amount (ml)').fill('200');
    await recipe.getByRole('button', { name: 'Save recipe' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved what Macadamia uses from stock.' }).waitFor();
    await expect(mac.getByTestId('uses').textContent()).resolves.toBe('uses 200 ml Almond milk');

    const bun = page.getByTestId('product').filter({ hasText: 'Cardamom bun' });
    await bun.getByRole('button', { name: 'Options & recipe' }).click();
    const setup = page.getByTestId('product-setup');
    await setup.getByLabel('Extras').check();
    await setup.getByRole('button', { name: 'Save options' }).click();
    await page.getByRole('status').filter({ hasText: 'Cardamom bun now offers Extras.' }).waitFor();
    const bunRecipe = page.getByRole('form', { name: 'Recipe: Cardamom bun' });
    await bunRecipe.getByRole('button', { name: 'Add a stock item' }).click();
    await bunRecipe.getByLabel('Stock item').selectOption({ label: 'Cinnamon rolls' });
    await bunRecipe.getByLabel('Amount (each)').fill('1');
    await bunRecipe.getByRole('button', { name: 'Save recipe' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved what Cardamom bun uses from stock.' }).waitFor();
    await setup.waitFor({ state: 'detached' }); // saved: the panel closes
    await page.screenshot({ path: artifact('manager-options.png'), fullPage: true });
  });

  it('adds a weekly class for three weeks at the studio, cancels one and substitutes another', async () => {
    await page.getByRole('link', { name: 'Schedule' }).click();
    await page.waitForURL(/\/manager\/schedule$/);
    await page.getByLabel('Location').selectOption({ label: 'Demo Studio' });
    await page.getByRole('heading', { name: 'Schedule · Demo Studio' }).waitFor();
    // a new kind of class first: it becomes schedulable at once
    await page.getByRole('button', { name: 'Add a class type' }).click();
    const typeForm = page.getByRole('form', { name: 'Add a class type' });
    await typeForm.getByLabel('Name').fill('Aerial Yoga');
    await typeForm.getByLabel('Minutes').fill('50');
    await typeForm.getByLabel('Places').fill('8');
    await typeForm.getByRole('button', { name: 'Add class type' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Aerial Yoga can now be scheduled.');
    await page.getByRole('button', { name: 'Add a weekly class' }).click();
    const form = page.getByRole('form', { name: 'Add a weekly class' });
    await expect(form.getByRole('option', { name: 'Aerial Yoga (50 min)' }).count()).resolves.toBe(1);
    await form.getByLabel('Class').selectOption({ label: 'Yin Yoga (75 min)' });
    await expect(form.getByLabel('Capacity').inputValue()).resolves.toBe('14'); // the type's default
    await form.getByLabel('Day').selectOption({ label: studioDay(1).weekday });
    await form.getByLabel('Time').fill('09:30');
    await form.getByLabel('Room').fill('Roof Deck');
    await form.getByLabel('Instructor').selectOption({ label: 'Leilani Kahale (instructor)' });
    await form.getByLabel('Weeks').fill('3');
    await expect(form.getByTestId('preview').textContent()).resolves.toMatch(/^3 classes: /);
    await form.getByRole('button', { name: 'Add 3 classes' }).click();
    await page.getByRole('status').filter({ hasText: 'Added 3 Yin Yoga classes' }).waitFor();

    // the first two are within the page's two weeks, whatever the hour
    const roof = page.getByTestId('session').filter({ hasText: 'Roof Deck' });
    expect(await roof.count()).toBeGreaterThanOrEqual(2);
    for (const i of [0, 1]) {
      const text = await roof.nth(i).textContent();
      expect(text).toContain('9:30 AM'); // New York's wall clock in a Tokyo browser
      expect(text).toContain('Yin Yoga');
      expect(text).toContain('0/14');
      await expect(roof.nth(i).getByTestId('teacher').textContent()).resolves.toContain('Leilani Kahale');
    }

    page.once('dialog', (d) => {
      dialog = d.message();
      void d.accept();
    });
    await roof.nth(0).getByRole('button', { name: 'Cancel class' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled Yin Yoga on' }).waitFor();
    await expect(roof.nth(0).getAttribute('data-cancelled')).resolves.toBe('true');
    await expect(roof.nth(0).textContent()).resolves.toContain('Cancelled');
    expect(dialog).toContain('Everyone booked is told on the desk and gets their credit back.');
    await expect(roof.nth(0).getByRole('button', { name: 'Cancel class' }).count()).resolves.toBe(0);

    await roof.nth(1).getByRole('button', { name: 'Substitute' }).click();
    await roof.nth(1).getByLabel('Substitute').selectOption({ label: 'Dev Mehta' });
    await roof.nth(1).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Dev Mehta teaches Yin Yoga' }).waitFor();
    await expect(roof.nth(1).getByTestId('teacher').textContent()).resolves.toMatch(/Dev Mehta\s*\(sub for Leilani Kahale\)/);
    await expect(roof.nth(1).getAttribute('data-cancelled')).resolves.toBe('false');
    await page.screenshot({ path: artifact('manager-schedule.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('left the rows as the pages said, each edit audited as the signed-in manager', async () => {
    await app.stop();
    const db = await app.openDb();
    try {
      const rows = async (sql: string, p: unknown[] = []) => (await db.query(sql, p)).rows;
      expect(await rows(
        `select p.name, p.price_cents, c.name as category, p.active from public.products p left join public.categories c on c.id = p.category_id
         where p.name in ('Cardamom bun', 'Flat white') and p.location_id = $1 order by p.name`, [app.seed.cafeLocationId],
      )).toEqual([
        { name: 'Cardamom bun', price_cents: 425, category: 'Pastries', active: true },
        { name: 'Flat white', price_cents: 480, category: 'Coffee', active: true },
      ]);

      // the seeded delivery and ours; the refused zero left nothing
      expect(await rows(
        `select m.delta, m.reason, s.name as staff from public.stock_movements m join public.inventory_items i on i.id = m.item_id
         left join public.staff s on s.id = m.staff_id where i.name = 'Almond milk' order by m.created_at`,
      )).toEqual([{ delta: 1500, reason: 'receive', staff: 'Marcus Bell' }, { delta: 6000, reason: 'receive', staff: 'Marcus Bell' }]);
      expect(await rows(
        `select i.name, l.quantity from public.stock_levels l join public.inventory_items i on i.id = l.id where i.name in ('Almond milk', 'Oranges') order by i.name`,
      )).toEqual([{ name: 'Almond milk', quantity: 7500 }, { name: 'Oranges', quantity: 55 }]);
      expect(await rows(
        `select m.reason from public.stock_movements m join public.inventory_items i on i.id = m.item_id where i.name = 'Oranges' order by m.created_at desc limit 1`,
      )).toEqual([{ reason: 'count' }]);

      // the option and the bun, as the pages saved them
      expect(await rows(
        `select coalesce(p.name, m.name) as owner, i.name as item, r.quantity from public.recipe_lines r
         join public.inventory_items i on i.id = r.item_id left join public.products p on p.id = r.product_id left join public.modifiers m on m.id = r.modifier_id
         where not r.deleted and (p.name = 'Cardamom bun' or m.name = 'Macadamia') order by 1`,
      )).toEqual([{ owner: 'Cardamom bun', item: 'Cinnamon rolls', quantity: 1 }, { owner: 'Macadamia', item: 'Almond milk', quantity: 200 }]);
      expect(await rows(
        `select m.price_delta_cents, g.name as "group" from public.modifiers m join public.modifier_groups g on g.id = m.group_id where m.name = 'Macadamia'`,
      )).toEqual([{ price_delta_cents: 80, group: 'Milk' }]);
      expect(await rows(
        `select g.name from public.product_modifier_groups l join public.modifier_groups g on g.id = l.group_id
         join public.products p on p.id = l.product_id where p.name = 'Cardamom bun' and not l.deleted`,
      )).toEqual([{ name: 'Extras' }]);

      const sessions = await rows(
        `select s.id, to_char(s.starts_at at time zone $1, 'YYYY-MM-DD') as day, to_char(s.starts_at at time zone $1, 'HH24:MI') as time,
                extract(epoch from s.ends_at - s.starts_at)::int / 60 as minutes, t.name as type, s.capacity, s.cancelled,
                i.name as instructor, sub.name as substitute
         from public.class_sessions s join public.class_types t on t.id = s.class_type_id
         left join public.staff i on i.id = s.instructor_staff_id left join public.staff sub on sub.id = s.substitute_staff_id
         where s.room = 'Roof Deck' and s.location_id = $2 order by s.starts_at`,
        [STUDIO_TZ, app.seed.studioLocationId],
      );
      const common = { time: '09:30', minutes: 75, type: 'Yin Yoga', capacity: 14, instructor: 'Leilani Kahale' };
      expect(sessions.map(({ id, ...s }) => s)).toEqual([
        { ...common, day: studioDay(1).date, cancelled: true, substitute: null },
        { ...common, day: studioDay(8).date, cancelled: false, substitute: 'Dev Mehta' },
        { ...common, day: studioDay(15).date, cancelled: false, substitute: null },
      ]);

      const audit = await rows(
        `select a.action, count(*)::int as n, bool_and(s.name = 'Marcus Bell') as by_manager from public.audit_log a
         left join public.staff s on s.id = a.actor_staff_id where a.actor_user_id is not null group by a.action order by a.action`,
      );
      expect(audit).toEqual([
        { action: 'classType.save', n: 1, by_manager: true },
        { action: 'modifier.save', n: 1, by_manager: true },
        { action: 'product.save', n: 2, by_manager: true },
        { action: 'product.setModifierGroups', n: 1, by_manager: true },
        { action: 'recipe.set', n: 2, by_manager: true },
        { action: 'session.cancel', n: 1, by_manager: true },
        { action: 'session.save', n: 3, by_manager: true },
        { action: 'session.substitute', n: 1, by_manager: true },
        { action: 'stock.adjust', n: 1, by_manager: true },
        { action: 'stock.count', n: 1, by_manager: true },
      ]);
      const cancelled = await rows(`select details->'args'->>'sessionId' as id, location_id from public.audit_log where action = 'session.cancel'`);
      expect(cancelled).toEqual([{ id: (sessions[0] as { id: string }).id, location_id: app.seed.studioLocationId }]);
    } finally {
      await db.close();
      await app.start();
    }
  });
});
