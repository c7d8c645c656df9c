// The café's per-domain rules (DESIGN §6) through the real push path, on PGlite and on
// PostgreSQL: ringing up copies prices and uses stock through product and modifier
// recipes; price differences, negative stock, pay-later orders, drawer variances and
// loyalty overdrafts are applied and flagged (DESIGN §9); status only moves forward;
// a manager's void gives stock and points back; refusals write nothing but their log
// entry and their reconciliation item.
import { describe, expect, it } from 'vitest';
import { orderNumber } from '../../src/shared/domain/money.ts';
import type { MutationResult } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

const id = () => crypto.randomUUID();

interface Line {
  product: string;
  mods?: string[];
  quantity?: number;
  /** the unit price rung up; the menu price (product + modifier deltas) when absent */
  price?: number;
}

describe.each(engines())('café rules on $name', (engine) => {
  const world = useSyncWorld(engine);
  const cafe = () => world().seed.cafeLocationId;
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => world().q<T>(sql, params);

  let codes = 0;
  const newTablet = () => world().tablet(cafe(), `Q${++codes}`);
  const sequences = new Map<string, number>();
  const nextNumber = (t: Tablet) => {
    const n = (sequences.get(t.deviceId) ?? 0) + 1;
    sequences.set(t.deviceId, n);
    return orderNumber(t.code, n);
  };

  const byName = async (table: string, name: string) => {
    const rows = await q<{ id: string; price: number }>(
      `select id, ${table === 'products' ? 'price_cents' : table === 'modifiers' ? 'price_delta_cents' : '0'} as price
       from public.${table} where location_id = $1 and name = $2`,
      [cafe(), name],
    );
    if (rows.length !== 1) throw new Error(`demo ${table} "${name}": ${rows.length} rows`);
    return rows[0];
  };
  const item = async (name: string) => (await byName('inventory_items', name)).id;
  const level = async (name: string) =>
    (await q<{ n: number }>(`select coalesce((select quantity from public.stock_levels where id = $1), 0)::int as n`, [await item(name)]))[0].n;
  const levels = async (names: string[]) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await level(n)])));

  async function orderArgs(t: Tablet, lines: Line[], extra: Record<string, unknown> = {}) {
    const items = [];
    for (const l of lines) {
      const p = await byName('products', l.product);
      const mods = await Promise.all((l.mods ?? []).map((m) => byName('modifiers', m)));
      const menu = p.price + mods.reduce((s, m) => s + m.price, 0);
      items.push({ id: id(), productId: p.id, quantity: l.quantity ?? 1, unitPriceCents: l.price ?? menu, modifierIds: mods.map((m) => m.id) });
    }
    return { orderId: id(), number: nextNumber(t), items, ...extra };
  }

  const ok = async (t: Tablet, name: string, args: unknown, staffId?: string) => {
    const r = await world().run(t, name, args, staffId);
    expect(r, JSON.stringify(r.error)).toMatchObject({ status: 'applied' });
    return r;
  };

  async function ringUp(t: Tablet, lines: Line[], extra: Record<string, unknown> = {}) {
    const args = await orderArgs(t, lines, extra);
    await ok(t, 'order.create', args);
    return args;
  }

  /** Row counts of everything a café mutation can write, and the flags other than refusals. */
  async function footprint() {
    const tables = ['orders', 'order_items', 'payments', 'stock_movements', 'stock_levels', 'loyalty_ledger', 'drawer_sessions',
      'drawer_movements', 'customers', 'audit_log'];
    const [row] = await q(
      `select ${tables.map((t) => `(select count(*) from public.${t})::int as ${t}`).join(', ')},
              (select coalesce(sum(quantity), 0) from public.stock_levels)::int as stock_total,
              (select count(*) from public.reconciliation_items where kind <> 'rejected_mutation')::int as flags,
              (select string_agg(id::text || status || payment_status, ',' order by id) from public.orders) as order_states,
              (select string_agg(id::text || status, ',' order by id) from public.drawer_sessions) as drawer_states,
              (select string_agg(id::text || name || coalesce(email, '') || coalesce(phone, ''), ',' order by id) from public.customers) as customer_states`,
    );
    return row;
  }

  /** A refusal: the right code, nothing written but the mutation log entry and one rejected_mutation item. */
  async function refused(t: Tablet, name: string, args: unknown, code: string, staffId?: string): Promise<MutationResult> {
    const before = await footprint();
    const r = await world().run(t, name, args, staffId);
    expect(r).toMatchObject({ status: 'rejected', error: { code } });
    expect(await footprint()).toEqual(before);
    expect(await q(`select status from public.mutation_log where client_id = $1 and mutation_id = $2`, [t.clientId, r.id])).toEqual([{ status: 'rejected' }]);
    expect(await q(`select kind from public.reconciliation_items where client_id = $1 and mutation_id = $2`, [t.clientId, r.id]))
      .toEqual([{ kind: 'rejected_mutation' }]);
    return r;
  }

  const flags = (kind: string, orderId?: string) =>
    q<{ summary: string; details: Record<string, any>; order_id: string | null; device_id: string; staff_id: string }>(
      `select summary, details, order_id, device_id, staff_id from public.reconciliation_items
       where kind = $1 and ($2::uuid is null or order_id = $2) order by occurred_at, id`,
      [kind, orderId ?? null],
    );
  const order = async (orderId: string) =>
    (await q<Record<string, any>>(`select * from public.orders where id = $1`, [orderId]))[0];
  const newCustomer = async (name: string) =>
    (await q<{ id: string }>(`insert into public.customers (organization_id, name) values ($1, $2) returning id`, [world().seed.organizationId, name]))[0].id;
  const points = async (customerId: string) =>
    (await q<{ n: number }>(`select coalesce(sum(delta_points), 0)::int as n from public.loyalty_ledger where customer_id = $1 and not deleted`, [customerId]))[0].n;

  // ------------------------------------------------------------------ order.create

  it('rings up an order: prices and names copied, tax and totals, stock through product and modifier recipes, points earned', async () => {
    const w = world();
    const t = w.cafe;
    const customer = await newCustomer('Regular Rita');
    const touched = ['Espresso beans', 'Hot cups', 'Whole milk', 'Oat milk', 'Cold cups'];
    const before = await levels(touched);
    const movementsBefore = (await q(`select id from public.stock_movements`)).length;
    // 2 × Latte with oat milk, large: 475 + 70 + 100 = 645. 1 × Iced latte with oat milk:
    // 500 + 70 = 570; its whole milk (200) is exactly given back by the oat swap (−200).
    const args = await ringUp(t, [
      { product: 'Latte', mods: ['Oat', 'Large'], quantity: 2 },
      { product: 'Iced latte', mods: ['Oat'] },
    ], { customerId: customer, note: 'extra hot' });

    const o = await order(args.orderId);
    expect(o).toMatchObject({
      number: args.number, location_id: cafe(), device_id: t.deviceId, staff_id: w.staff.barista, customer_id: customer,
      status: 'received', payment_status: 'unpaid', note: 'extra hot',
      subtotal_cents: 1860, tax_cents: 163, total_cents: 2023, // 875 bps per line, rounded half up: 112.875 → 113, 49.875 → 50
    });
    expect(o.client_time).not.toBeNull();
    const items = await q<Record<string, any>>(
      `select id, name, quantity, unit_price_cents, line_total_cents, tax_rate_bps, modifiers from public.order_items where order_id = $1 order by line_total_cents desc`,
      [args.orderId],
    );
    expect(items.map((i) => [i.id, i.name, i.quantity, i.unit_price_cents, i.line_total_cents, i.tax_rate_bps])).toEqual([
      [args.items[0].id, 'Latte', 2, 645, 1290, 875],
      [args.items[1].id, 'Iced latte', 1, 570, 570, 875],
    ]);
    expect(items[0].modifiers).toEqual([
      { id: args.items[0].modifierIds[0], name: 'Oat', priceDeltaCents: 70 },
      { id: args.items[0].modifierIds[1], name: 'Large', priceDeltaCents: 100 },
    ]);

    // Latte: 18 g beans, 1 cup, 240 ml whole milk each; Oat: +200 oat, −200 whole each.
    const after = await levels(touched);
    expect({
      beans: after['Espresso beans'] - before['Espresso beans'], cups: after['Hot cups'] - before['Hot cups'],
      whole: after['Whole milk'] - before['Whole milk'], oat: after['Oat milk'] - before['Oat milk'], cold: after['Cold cups'] - before['Cold cups'],
    }).toEqual({ beans: -(2 * 18 + 18), cups: -2, whole: -(2 * 240 - 2 * 200 + 200 - 200), oat: -(2 * 200 + 200), cold: -1 });
    const moves = await q<{ name: string; delta: number; reason: string; staff_id: string; device_id: string }>(
      `select i.name, m.delta, m.reason, m.staff_id, m.device_id from public.stock_movements m
       join public.inventory_items i on i.id = m.item_id where m.order_id = $1 order by i.name`,
      [args.orderId],
    );
    // One movement per item, summed over lines; none for an item whose uses cancel out.
    expect(moves.map((m) => [m.name, m.delta])).toEqual([
      ['Cold cups', -1], ['Espresso beans', -54], ['Hot cups', -2], ['Oat milk', -600], ['Whole milk', -80],
    ]);
    expect(new Set(moves.map((m) => `${m.reason}/${m.staff_id}/${m.device_id}`))).toEqual(new Set([`sale/${w.staff.barista}/${t.deviceId}`]));
    expect((await q(`select id from public.stock_movements`)).length).toBe(movementsBefore + 5);

    expect(await q(`select organization_id, location_id, delta_points, reason from public.loyalty_ledger where order_id = $1`, [args.orderId]))
      .toEqual([{ organization_id: w.seed.organizationId, location_id: cafe(), delta_points: 20, reason: 'earn' }]);
    expect(await flags('price_difference', args.orderId)).toEqual([]);
  });

  it('writes no movement for an item whose recipe uses cancel out (an oat-milk swap on a 200 ml whole-milk drink)', async () => {
    const w = world();
    const whole = await level('Whole milk');
    const o = await ringUp(w.cafe, [{ product: 'Iced latte', mods: ['Oat'] }]);
    expect(await level('Whole milk')).toBe(whole);
    const moves = await q<{ name: string; delta: number }>(
      `select i.name, m.delta from public.stock_movements m join public.inventory_items i on i.id = m.item_id where m.order_id = $1 order by i.name`,
      [o.orderId],
    );
    expect(moves).toEqual([{ name: 'Cold cups', delta: -1 }, { name: 'Espresso beans', delta: -18 }, { name: 'Oat milk', delta: -200 }]);
  });

  it('earns no points without a customer, or on an order under a dollar', async () => {
    const w = world();
    const customer = await newCustomer('Penny Small');
    const anon = await ringUp(w.cafe, [{ product: 'Espresso' }]);
    const cheap = await ringUp(w.cafe, [{ product: 'Espresso', price: 50 }], { customerId: customer });
    expect((await order(cheap.orderId)).total_cents).toBe(54);
    expect(await q(`select 1 from public.loyalty_ledger where order_id = any($1::uuid[])`, [[anon.orderId, cheap.orderId]])).toEqual([]);
  });

  it('records a price that differs from the menu as rung up, and flags it once per order', async () => {
    const w = world();
    const args = await ringUp(w.cafe, [
      { product: 'Latte', price: 400 },                      // menu 475
      { product: 'Cappuccino', mods: ['Extra shot'], price: 600, quantity: 2 }, // menu 450 + 90 = 540
      { product: 'Espresso' },                              // menu price
    ]);
    const o = await order(args.orderId);
    expect([o.subtotal_cents, o.total_cents]).toEqual([400 + 1200 + 300, 1900 + 35 + 105 + 26]);
    expect((await q(`select unit_price_cents from public.order_items where id = $1`, [args.items[0].id]))[0]).toEqual({ unit_price_cents: 400 });
    const f = await flags('price_difference', args.orderId);
    expect(f).toHaveLength(1);
    expect(f[0].summary).toContain(args.number);
    expect(f[0].summary).toContain('$0.45 more'); // −75 + 2 × 60
    expect(f[0].details.lines).toEqual([
      { orderItemId: args.items[0].id, productId: args.items[0].productId, name: 'Latte', quantity: 1, rungUpCents: 400, menuCents: 475 },
      { orderItemId: args.items[1].id, productId: args.items[1].productId, name: 'Cappuccino', quantity: 2, rungUpCents: 600, menuCents: 540 },
    ]);
    expect([f[0].device_id, f[0].staff_id]).toEqual([w.cafe.deviceId, w.staff.barista]);
  });

  it('accepts a product since removed or made inactive: the sale as rung up stands', async () => {
    const w = world();
    const [p] = await q<{ id: string }>(
      `insert into public.products (location_id, name, price_cents, tax_rate_bps, active, deleted) values ($1, 'Pumpkin spice latte', 550, 0, false, true) returning id`,
      [cafe()],
    );
    const args = { orderId: id(), number: nextNumber(w.cafe), items: [{ id: id(), productId: p.id, quantity: 1, unitPriceCents: 550, modifierIds: [] }] };
    await ok(w.cafe, 'order.create', args);
    expect(await q(`select name, tax_rate_bps from public.order_items where order_id = $1`, [args.orderId])).toEqual([{ name: 'Pumpkin spice latte', tax_rate_bps: 0 }]);
    expect((await order(args.orderId)).total_cents).toBe(550); // the product's own 0 bps, not the café's 875
  });

  it('refuses what cannot be a real sale, and writes nothing for it', async () => {
    const w = world();
    const t = w.cafe;
    const good = await orderArgs(t, [{ product: 'Latte', mods: ['Oat'] }]);

    const foreign = await refused(t, 'order.create', { ...good, number: 'Z-0001' }, 'VALIDATION_FAILED');
    expect(foreign.error!.message).toContain('Z-0001');
    const other = await w.tablet(cafe(), 'ZZ');
    await refused(t, 'order.create', { ...good, number: orderNumber(other.code, 1) }, 'VALIDATION_FAILED');

    await refused(t, 'order.create', { ...good, items: [{ ...good.items[0], productId: id() }] }, 'NOT_FOUND');
    await refused(t, 'order.create', { ...good, items: [{ ...good.items[0], modifierIds: [id()] }] }, 'NOT_FOUND');
    await refused(t, 'order.create', { ...good, customerId: id() }, 'NOT_FOUND');
    // A product of another location is not on this café's menu.
    const [studioProduct] = await q<{ id: string }>(
      `insert into public.products (location_id, name, price_cents) values ($1, 'Studio water', 200) returning id`, [w.seed.studioLocationId]);
    await refused(t, 'order.create', { ...good, items: [{ ...good.items[0], productId: studioProduct.id, modifierIds: [] }] }, 'NOT_FOUND');

    await ok(t, 'order.create', good);
    const beans = await level('Espresso beans');
    const dup = await refused(t, 'order.create', { ...good, number: nextNumber(t) }, 'CONFLICT');
    expect(dup.error!.message).toContain('already recorded');
    await refused(t, 'order.create', { ...(await orderArgs(t, [{ product: 'Espresso' }])), number: good.number }, 'CONFLICT');
    expect(await level('Espresso beans')).toBe(beans);
    expect(await q(`select count(*)::int as n from public.stock_movements where order_id = $1`, [good.orderId])).toEqual([{ n: 4 }]);
  });

  it('lets stock go below zero and flags it, once while the item is still open for a manager', async () => {
    const w = world();
    const sandwiches = 'Ham & cheese sandwiches';
    const start = await level(sandwiches);
    const first = await ringUp(w.cafe, [{ product: 'Ham & cheese sandwich', quantity: start + 2 }]);
    expect(await level(sandwiches)).toBe(-2);
    const f = await flags('negative_stock', first.orderId);
    expect(f).toHaveLength(1);
    expect(f[0].summary).toContain(sandwiches);
    expect(f[0].summary).toContain(first.number);
    expect(f[0].details).toMatchObject({ itemId: await item(sandwiches), quantity: -2 });
    // Items the order left above zero are not flagged.
    expect(await flags('negative_stock').then((all) => all.filter((x) => x.order_id === first.orderId).map((x) => x.details.itemName))).toEqual([sandwiches]);

    const second = await ringUp(w.cafe, [{ product: 'Ham & cheese sandwich' }]);
    expect(await level(sandwiches)).toBe(-3);
    expect(await flags('negative_stock', second.orderId)).toEqual([]);

    await q(`update public.reconciliation_items set status = 'resolved' where kind = 'negative_stock' and order_id = $1`, [first.orderId]);
    const third = await ringUp(w.cafe, [{ product: 'Ham & cheese sandwich' }]);
    expect((await flags('negative_stock', third.orderId)).map((x) => x.details.quantity)).toEqual([-4]);
  });

  // ------------------------------------------------------------------ payments

  it('takes cash: a payment, the order paid, and the sale in this tablet’s open drawer', async () => {
    const w = world();
    const t = await newTablet();
    const drawerSessionId = id();
    await ok(t, 'drawer.open', { drawerSessionId, openingFloatCents: 10000 });
    const o = await ringUp(t, [{ product: 'Latte' }]);
    const total = (await order(o.orderId)).total_cents as number;

    await refused(t, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: total, tenderedCents: total - 1 }, 'VALIDATION_FAILED');
    await refused(t, 'order.payCash', { orderId: id(), paymentId: id(), amountCents: total, tenderedCents: total }, 'NOT_FOUND');

    const over = await refused(t, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: total + 1, tenderedCents: total + 1 }, 'CONFLICT');
    expect(over.error!.message).toContain('left to pay');
    const half = Math.floor(total / 2);
    const p1 = id();
    await ok(t, 'order.payCash', { orderId: o.orderId, paymentId: p1, amountCents: half, tenderedCents: half });
    expect((await order(o.orderId)).payment_status).toBe('unpaid');
    const overSecond = await refused(t, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: total - half + 1, tenderedCents: 2000 }, 'CONFLICT');
    expect(overSecond.error!.message).toContain(`$${((total - half) / 100).toFixed(2)} left to pay`);
    const p2 = id();
    await ok(t, 'order.payCash', { orderId: o.orderId, paymentId: p2, amountCents: total - half, tenderedCents: 2000 });
    expect((await order(o.orderId)).payment_status).toBe('paid');
    expect(await q(`select id, method, amount_cents, tendered_cents, status, staff_id, device_id from public.payments where order_id = $1 order by amount_cents`, [o.orderId]))
      .toEqual([
        { id: p1, method: 'cash', amount_cents: half, tendered_cents: half, status: 'succeeded', staff_id: w.staff.barista, device_id: t.deviceId },
        { id: p2, method: 'cash', amount_cents: total - half, tendered_cents: 2000, status: 'succeeded', staff_id: w.staff.barista, device_id: t.deviceId },
      ].sort((a, b) => a.amount_cents - b.amount_cents));
    expect(await q(`select kind, amount_cents, order_id from public.drawer_movements where drawer_session_id = $1 and kind = 'sale' order by amount_cents`, [drawerSessionId]))
      .toEqual([half, total - half].sort((a, b) => a - b).map((amount_cents) => ({ kind: 'sale', amount_cents, order_id: o.orderId })));

    const again = await refused(t, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: 100, tenderedCents: 100 }, 'CONFLICT');
    expect(again.error!.message).toContain('already paid');

    // Another tablet without an open drawer: the payment is taken, no drawer moves.
    const other = await newTablet();
    const o2 = await ringUp(other, [{ product: 'Espresso' }]);
    const drawerRows = (await q(`select id from public.drawer_movements`)).length;
    await ok(other, 'order.payCash', { orderId: o2.orderId, paymentId: id(), amountCents: 326, tenderedCents: 500 });
    expect((await order(o2.orderId)).payment_status).toBe('paid');
    expect((await q(`select id from public.drawer_movements`)).length).toBe(drawerRows);
  });

  it('two tablets taking cash for the same order at once: one payment is recorded', async () => {
    const w = world();
    const o = await ringUp(w.cafe, [{ product: 'Butter croissant' }]);
    const total = (await order(o.orderId)).total_cents as number;
    const [a, b] = [await newTablet(), await newTablet()];
    const results = await Promise.all([a, b].map((t) => w.run(t, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: total, tenderedCents: total })));
    expect(results.map((r) => r.status).sort()).toEqual(['applied', 'rejected']);
    expect(await q(`select count(*)::int as n from public.payments where order_id = $1`, [o.orderId])).toEqual([{ n: 1 }]);
  });

  it('leaves an order to pay later and flags it; again, or once paid, changes nothing', async () => {
    const w = world();
    const o = await ringUp(w.cafe, [{ product: 'Mocha' }]);
    await ok(w.cafe, 'order.markPayLater', { orderId: o.orderId });
    expect((await order(o.orderId)).payment_status).toBe('pay_later');
    const f = await flags('unpaid_order', o.orderId);
    expect(f).toHaveLength(1);
    expect(f[0].summary).toContain(o.number);
    expect(f[0].summary).toContain('$5.71'); // 525 + 46 tax
    await ok(w.cafe, 'order.markPayLater', { orderId: o.orderId });
    expect(await flags('unpaid_order', o.orderId)).toHaveLength(1);
    // Paid later after all: it becomes paid; marking it again leaves it so.
    await ok(w.cafe, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: 571, tenderedCents: 600 });
    expect((await order(o.orderId)).payment_status).toBe('paid');

    const paid = await ringUp(w.cafe, [{ product: 'Espresso' }]);
    await ok(w.cafe, 'order.payCash', { orderId: paid.orderId, paymentId: id(), amountCents: 326, tenderedCents: 326 });
    await ok(w.cafe, 'order.markPayLater', { orderId: paid.orderId });
    expect((await order(paid.orderId)).payment_status).toBe('paid');
    expect(await flags('unpaid_order', paid.orderId)).toEqual([]);
    await refused(w.cafe, 'order.markPayLater', { orderId: id() }, 'NOT_FOUND');
  });

  // ------------------------------------------------------------------ status and voids

  it('moves status forward only: a late "ready" after "completed" is a no-op, not an error', async () => {
    const w = world();
    const o = await ringUp(w.cafe, [{ product: 'Cortado' }]);
    const status = async () => (await order(o.orderId)).status;
    await ok(w.cafe, 'order.setStatus', { orderId: o.orderId, status: 'in_progress' });
    expect(await status()).toBe('in_progress');
    await ok(w.cafe, 'order.setStatus', { orderId: o.orderId, status: 'completed' }); // skipping "ready" is fine
    expect(await status()).toBe('completed');
    const late = await ok(w.cafe, 'order.setStatus', { orderId: o.orderId, status: 'ready' });
    expect(await status()).toBe('completed');
    expect(await q(`select status from public.mutation_log where client_id = $1 and mutation_id = $2`, [w.cafe.clientId, late.id])).toEqual([{ status: 'applied' }]);
    await ok(w.cafe, 'order.setStatus', { orderId: o.orderId, status: 'received' });
    expect(await status()).toBe('completed');

    await refused(w.cafe, 'order.setStatus', { orderId: id(), status: 'ready' }, 'NOT_FOUND');
    // Another location's tablet cannot see this order.
    await refused(w.studio, 'order.setStatus', { orderId: o.orderId, status: 'ready' }, 'NOT_FOUND', w.staff.manager);
  });

  it('a manager’s void gives the stock and the points back, once, and is audited; a barista’s is refused', async () => {
    const w = world();
    const customer = await newCustomer('Void Vera');
    const touched = ['Espresso beans', 'Hot cups', 'Whole milk', 'Oat milk', 'Vanilla syrup'];
    const before = await levels(touched);
    const o = await ringUp(w.cafe, [{ product: 'Latte', mods: ['Oat', 'Vanilla syrup'], quantity: 3 }], { customerId: customer });
    const earned = await points(customer);
    expect(earned).toBe(19); // 3 × 605 = 1815 + 159 tax = 19.74 → 19 points
    expect(await levels(touched)).not.toEqual(before);

    const forbidden = await refused(w.cafe, 'order.void', { orderId: o.orderId, reason: 'customer left' }, 'FORBIDDEN');
    expect(forbidden.error!.message).toContain('manager');
    expect((await order(o.orderId)).status).toBe('received');

    await ok(w.cafe, 'order.void', { orderId: o.orderId, reason: 'customer left' }, w.staff.manager);
    const v = await order(o.orderId);
    expect(v.status).toBe('voided');
    expect(v.voided_at).not.toBeNull();
    expect(await levels(touched)).toEqual(before);
    const moves = await q<{ reason: string; delta: number }>(
      `select reason, sum(delta)::int as delta from public.stock_movements where order_id = $1 group by reason order by reason`, [o.orderId]);
    expect(moves.map((m) => m.reason)).toEqual(['sale', 'void']);
    expect(moves[0].delta).toBe(-moves[1].delta);
    expect(await points(customer)).toBe(0);
    expect(await q(`select delta_points from public.loyalty_ledger where order_id = $1 and reason = 'void'`, [o.orderId])).toEqual([{ delta_points: -19 }]);
    expect(await q(`select location_id, actor_staff_id, details from public.audit_log where action = 'order.void' and details ->> 'orderId' = $1`, [o.orderId]))
      .toEqual([{ location_id: cafe(), actor_staff_id: w.staff.manager, details: expect.objectContaining({ orderId: o.orderId, reason: 'customer left', number: o.number }) }]);

    const footprintBefore = await footprint();
    await ok(w.cafe, 'order.void', { orderId: o.orderId, reason: 'again' }, w.staff.manager);
    expect(await footprint()).toEqual(footprintBefore);
    await ok(w.cafe, 'order.setStatus', { orderId: o.orderId, status: 'completed' });
    expect((await order(o.orderId)).status).toBe('voided');
    await refused(w.cafe, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: 100, tenderedCents: 100 }, 'CONFLICT');
    await refused(w.cafe, 'order.void', { orderId: id(), reason: 'typo' }, 'NOT_FOUND', w.staff.manager);
  });

  it('a void returns points spent on the order, and flags an overdraft when earned points were already spent elsewhere', async () => {
    const w = world();
    const spender = await newCustomer('Spent Sam');
    const o = await ringUp(w.cafe, [{ product: 'Avocado toast', quantity: 2 }], { customerId: spender }); // 1900 + 166 → 20 points
    expect(await points(spender)).toBe(20);
    await ok(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: spender, points: 15 });
    await ok(w.cafe, 'order.void', { orderId: o.orderId, reason: 'wrong table' }, w.staff.manager);
    expect(await points(spender)).toBe(-15);
    const f = await flags('loyalty_overdraft', o.orderId);
    expect(f).toHaveLength(1);
    expect(f[0].details).toMatchObject({ customerId: spender, balance: -15 });
    expect(f[0].summary).toContain('Spent Sam');

    const redeemer = await newCustomer('Free Fran');
    await q(`insert into public.loyalty_ledger (id, organization_id, customer_id, delta_points, reason) values (gen_random_uuid(), $1, $2, 100, 'adjust')`,
      [w.seed.organizationId, redeemer]);
    const freebie = await ringUp(w.cafe, [{ product: 'Espresso', price: 0 }], { customerId: redeemer });
    await ok(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: redeemer, points: 50, orderId: freebie.orderId });
    expect(await points(redeemer)).toBe(50);
    await ok(w.cafe, 'order.void', { orderId: freebie.orderId, reason: 'machine broke' }, w.staff.manager);
    expect(await points(redeemer)).toBe(100);
    expect(await flags('loyalty_overdraft', freebie.orderId)).toEqual([]);
  });

  // ------------------------------------------------------------------ stock

  it('adjusts stock by waste, delivery and correction; flags going below zero; refuses unknown items', async () => {
    const w = world();
    const juice = 'Iced tea';
    const start = await level(juice);
    const waste = id();
    await ok(w.cafe, 'stock.adjust', { movementId: waste, itemId: await item(juice), delta: -100, reason: 'waste' });
    expect(await level(juice)).toBe(start - 100);
    expect(await q(`select id, delta, reason, staff_id, device_id, order_id from public.stock_movements where id = $1`, [waste]))
      .toEqual([{ id: waste, delta: -100, reason: 'waste', staff_id: w.staff.barista, device_id: w.cafe.deviceId, order_id: null }]);
    await ok(w.cafe, 'stock.adjust', { movementId: id(), itemId: await item(juice), delta: 500, reason: 'receive' });
    expect(await level(juice)).toBe(start + 400);
    expect(await flags('negative_stock').then((f) => f.filter((x) => x.details.itemName === juice))).toEqual([]);

    await ok(w.cafe, 'stock.adjust', { movementId: id(), itemId: await item(juice), delta: -(start + 450), reason: 'correction' });
    expect(await level(juice)).toBe(-50);
    const f = (await flags('negative_stock')).filter((x) => x.details.itemName === juice);
    expect(f).toHaveLength(1);
    expect(f[0].summary).toContain('Iced tea went below zero (-50 ml)');

    await refused(w.cafe, 'stock.adjust', { movementId: id(), itemId: id(), delta: -1, reason: 'waste' }, 'NOT_FOUND');
    await refused(w.cafe, 'stock.adjust', { movementId: id(), itemId: await item(juice), delta: 5, reason: 'waste' }, 'VALIDATION_FAILED');
    await refused(w.cafe, 'stock.adjust', { movementId: waste, itemId: await item(juice), delta: -1, reason: 'waste' }, 'CONFLICT');
  });

  it('a manager’s count writes the difference to the level, or nothing when it matches; every count is audited', async () => {
    const w = world();
    const name = 'Granola';
    const start = await level(name);
    const m1 = id();
    await ok(w.cafe, 'stock.count', { movementId: m1, itemId: await item(name), countedQuantity: 1234 }, w.staff.manager);
    expect(await level(name)).toBe(1234);
    expect(await q(`select delta, reason, staff_id from public.stock_movements where id = $1`, [m1])).toEqual([{ delta: 1234 - start, reason: 'count', staff_id: w.staff.manager }]);

    const movements = (await q(`select id from public.stock_movements`)).length;
    const m2 = id();
    await ok(w.cafe, 'stock.count', { movementId: m2, itemId: await item(name), countedQuantity: 1234 }, w.staff.manager);
    expect((await q(`select id from public.stock_movements`)).length).toBe(movements);
    expect(await level(name)).toBe(1234);
    const audit = await q<{ details: Record<string, unknown> }>(
      `select details from public.audit_log where action = 'stock.count' and details ->> 'itemId' = $1 order by created_at, details ->> 'delta' desc`, [await item(name)]);
    expect(audit.map((a) => [a.details.countedQuantity, a.details.delta, a.details.movementId])).toEqual([[1234, 1234 - start, m1], [1234, 0, null]]);

    // An item that never had a movement counts from zero.
    const [fresh] = await q<{ id: string }>(`insert into public.inventory_items (location_id, name, unit) values ($1, 'Gingerbread syrup', 'ml') returning id`, [cafe()]);
    await ok(w.cafe, 'stock.count', { movementId: id(), itemId: fresh.id, countedQuantity: 750 }, w.staff.manager);
    expect(await q(`select quantity from public.stock_levels where id = $1`, [fresh.id])).toEqual([{ quantity: 750 }]);

    await refused(w.cafe, 'stock.count', { movementId: id(), itemId: await item(name), countedQuantity: 1 }, 'FORBIDDEN'); // a barista
    await refused(w.cafe, 'stock.count', { movementId: id(), itemId: id(), countedQuantity: 1 }, 'NOT_FOUND', w.staff.manager);
  });

  // ------------------------------------------------------------------ the drawer

  it('opens one drawer per tablet with a float; pays in and out; closes with the variance flagged, once', async () => {
    const w = world();
    const t = await newTablet();
    const s = id();
    await ok(t, 'drawer.open', { drawerSessionId: s, openingFloatCents: 15000 });
    expect(await q(`select location_id, device_id, opened_by_staff_id, opening_float_cents, status from public.drawer_sessions where id = $1`, [s]))
      .toEqual([{ location_id: cafe(), device_id: t.deviceId, opened_by_staff_id: w.staff.barista, opening_float_cents: 15000, status: 'open' }]);
    expect(await q(`select kind, amount_cents from public.drawer_movements where drawer_session_id = $1`, [s])).toEqual([{ kind: 'float', amount_cents: 15000 }]);

    const second = await refused(t, 'drawer.open', { drawerSessionId: id(), openingFloatCents: 100 }, 'CONFLICT');
    expect(second.error!.message).toContain('already has an open cash drawer');
    await ok(await newTablet(), 'drawer.open', { drawerSessionId: id(), openingFloatCents: 5000 }); // another tablet has its own

    const pin = id();
    await ok(t, 'drawer.payInOut', { movementId: pin, drawerSessionId: s, kind: 'pay_in', amountCents: 2000, note: 'change from the bank' });
    const pout = id();
    await ok(t, 'drawer.payInOut', { movementId: pout, drawerSessionId: s, kind: 'pay_out', amountCents: 1250, note: 'milk from the corner shop' });
    expect(await q(`select id, kind, amount_cents, note, staff_id from public.drawer_movements where id = any($1::uuid[]) order by amount_cents`, [[pin, pout]]))
      .toEqual([
        { id: pout, kind: 'pay_out', amount_cents: -1250, note: 'milk from the corner shop', staff_id: w.staff.barista },
        { id: pin, kind: 'pay_in', amount_cents: 2000, note: 'change from the bank', staff_id: w.staff.barista },
      ]);
    await refused(t, 'drawer.payInOut', { movementId: id(), drawerSessionId: id(), kind: 'pay_in', amountCents: 1, note: 'x' }, 'NOT_FOUND');

    const o = await ringUp(t, [{ product: 'Granola bowl' }]); // 750 + 66 tax
    await ok(t, 'order.payCash', { orderId: o.orderId, paymentId: id(), amountCents: 816, tenderedCents: 1000 });
    const expected = 15000 + 2000 - 1250 + 816;
    await ok(t, 'drawer.close', { drawerSessionId: s, countedCents: expected - 300 }, w.staff.manager);
    expect(await q(`select status, closed_by_staff_id, counted_cents, expected_cents, variance_cents, closed_at is not null as closed from public.drawer_sessions where id = $1`, [s]))
      .toEqual([{ status: 'closed', closed_by_staff_id: w.staff.manager, counted_cents: expected - 300, expected_cents: expected, variance_cents: -300, closed: true }]);
    const f = (await flags('drawer_variance')).filter((x) => x.details.drawerSessionId === s);
    expect(f).toHaveLength(1);
    expect(f[0].details).toEqual({ drawerSessionId: s, expectedCents: expected, countedCents: expected - 300, varianceCents: -300 });
    expect(f[0].summary).toContain('$3.00 short');

    await ok(t, 'drawer.close', { drawerSessionId: s, countedCents: 0 }, w.staff.manager); // closed already: no-op
    expect((await q(`select counted_cents from public.drawer_sessions where id = $1`, [s]))[0]).toEqual({ counted_cents: expected - 300 });
    expect((await flags('drawer_variance')).filter((x) => x.details.drawerSessionId === s)).toHaveLength(1);
    await refused(t, 'drawer.payInOut', { movementId: id(), drawerSessionId: s, kind: 'pay_out', amountCents: 100, note: 'late' }, 'CONFLICT');
    await refused(t, 'drawer.close', { drawerSessionId: id(), countedCents: 0 }, 'NOT_FOUND');

    // Cash after the close goes into no drawer; a new session can then be opened and closed even.
    const late = await ringUp(t, [{ product: 'Espresso' }]);
    await ok(t, 'order.payCash', { orderId: late.orderId, paymentId: id(), amountCents: 326, tenderedCents: 326 });
    expect(await q(`select 1 from public.drawer_movements where order_id = $1`, [late.orderId])).toEqual([]);
    const s2 = id();
    await ok(t, 'drawer.open', { drawerSessionId: s2, openingFloatCents: 0 });
    await ok(t, 'drawer.close', { drawerSessionId: s2, countedCents: 0 });
    expect(await q(`select variance_cents from public.drawer_sessions where id = $1`, [s2])).toEqual([{ variance_cents: 0 }]);
    expect((await flags('drawer_variance')).filter((x) => x.details.drawerSessionId === s2)).toEqual([]);
  });

  it('two clients of one tablet opening a drawer at once: one drawer', async () => {
    const w = world();
    const t = await newTablet();
    const twin: Tablet = { ...t, clientId: id(), nextId: 1 };
    const results = await Promise.all([t, twin].map((x) => w.run(x, 'drawer.open', { drawerSessionId: id(), openingFloatCents: 100 })));
    expect(results.map((r) => r.status).sort()).toEqual(['applied', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')!.error!.code).toBe('CONFLICT');
    expect(await q(`select count(*)::int as n from public.drawer_sessions where device_id = $1 and status = 'open'`, [t.deviceId])).toEqual([{ n: 1 }]);
  });

  // ------------------------------------------------------------------ customers and loyalty

  it('creates customers org-wide, refuses a duplicate card code, and updates only the fields sent', async () => {
    const w = world();
    const c = id();
    await ok(w.cafe, 'customer.create', { customerId: c, name: 'Nadia Quinn', email: 'nadia@example.com', phone: '555-0100', code: 'CARD-7781' });
    expect(await q(`select organization_id, name, email, phone, code from public.customers where id = $1`, [c]))
      .toEqual([{ organization_id: w.seed.organizationId, name: 'Nadia Quinn', email: 'nadia@example.com', phone: '555-0100', code: 'CARD-7781' }]);
    const dup = await refused(w.cafe, 'customer.create', { customerId: id(), name: 'Someone Else', code: 'CARD-7781' }, 'CONFLICT');
    expect(dup.error!.message).toContain('CARD-7781');
    await refused(w.cafe, 'customer.create', { customerId: c, name: 'Nadia Again' }, 'CONFLICT');

    // The studio's desk sees and edits the same person.
    await ok(w.studio, 'customer.update', { customerId: c, phone: null, notes: 'Prefers oat milk' });
    expect(await q(`select name, email, phone, notes from public.customers where id = $1`, [c]))
      .toEqual([{ name: 'Nadia Quinn', email: 'nadia@example.com', phone: null, notes: 'Prefers oat milk' }]);
    await ok(w.cafe, 'customer.update', { customerId: c, name: 'Nadia Quinn-Lowe' });
    expect(await q(`select name, email, notes from public.customers where id = $1`, [c])).toEqual([{ name: 'Nadia Quinn-Lowe', email: 'nadia@example.com', notes: 'Prefers oat milk' }]);

    await refused(w.cafe, 'customer.update', { customerId: id(), name: 'Nobody' }, 'NOT_FOUND');
    await refused(w.cafe, 'customer.update', { customerId: c }, 'VALIDATION_FAILED');
    await q(`update public.customers set deleted = true where id = $1`, [c]);
    await refused(w.cafe, 'customer.update', { customerId: c, name: 'Gone' }, 'NOT_FOUND');
  });

  it('redeems points as a ledger entry, and flags redeeming more than the balance', async () => {
    const w = world();
    const c = await newCustomer('Loyal Lou');
    const o = await ringUp(w.cafe, [{ product: 'Avocado toast' }], { customerId: c }); // 950 + 83 → 10 points
    expect(await points(c)).toBe(10);
    const e1 = id();
    await ok(w.cafe, 'loyalty.redeem', { entryId: e1, customerId: c, points: 4, orderId: o.orderId });
    expect(await q(`select organization_id, location_id, customer_id, delta_points, reason, order_id from public.loyalty_ledger where id = $1`, [e1]))
      .toEqual([{ organization_id: w.seed.organizationId, location_id: cafe(), customer_id: c, delta_points: -4, reason: 'redeem', order_id: o.orderId }]);
    expect((await flags('loyalty_overdraft')).filter((f) => f.details.customerId === c)).toEqual([]);

    await ok(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 50 });
    expect(await points(c)).toBe(-44);
    const f = (await flags('loyalty_overdraft')).filter((x) => x.details.customerId === c);
    expect(f).toHaveLength(1);
    expect(f[0].details).toMatchObject({ balance: -44 });
    expect(f[0].summary).toContain('Loyal Lou redeemed 50 points');

    await refused(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: id(), points: 1 }, 'NOT_FOUND');
    await refused(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 1, orderId: id() }, 'NOT_FOUND');
    await refused(w.cafe, 'loyalty.redeem', { entryId: e1, customerId: c, points: 1 }, 'CONFLICT');
    await refused(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 0 }, 'VALIDATION_FAILED');
  });
});
