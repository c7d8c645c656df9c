// A stretch of order.create applied as sets (app.order_create_run, issue #3) must leave
// exactly what the same sales applied one by one (app.order_create) leave: the orders and
// their items, the stock movements and levels, the loyalty points, and the reconciliation
// items, down to which sale flagged an item going below zero and at what level. Each case
// applies the sales one by one in a transaction that is rolled back, then pushes them, and
// compares everything but row ids, versions and timestamps.
import { describe, expect, it } from 'vitest';
import { asService, enterClaims, type Tx } from '../../src/server/db/index.ts';
import { push } from '../../src/server/sync/push.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { SCHEMA_VERSION, type Mutation } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { buffersRead, earlierSales, holdGate, useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

class Rollback extends Error {}

describe.each(engines())('sales as sets on $name', (engine) => {
  const world = useSyncWorld(engine);
  const cafe = () => world().seed.cafeLocationId;
  let codes = 0;

  const byName = async (table: 'products' | 'modifiers' | 'inventory_items', name: string) => {
    const price = table === 'products' ? 'price_cents' : table === 'modifiers' ? 'price_delta_cents' : '0';
    return (await world().q<{ id: string; price: number }>(`select id, ${price} as price from public.${table} where location_id = $1 and name = $2`, [cafe(), name]))[0];
  };

  /** Moves an item's level to `to` (a correction), and resolves its open below-zero items. */
  async function setLevel(item: string, to: number) {
    await asService(async (tx) => {
      const cur = (await tx.query<{ q: number }>(`select coalesce((select quantity from public.stock_levels where id = $1), 0) as q`, [item])).rows[0].q;
      if (cur !== to) {
        await tx.query(`insert into public.stock_movements (id, location_id, item_id, delta, reason) values (gen_random_uuid(), $1, $2, $3, 'correction')`, [cafe(), item, to - cur]);
      }
      await tx.query(`update public.reconciliation_items set status = 'resolved' where kind = 'negative_stock' and status = 'open' and details->>'itemId' = $1`, [item]);
    }, world().db);
  }

  /** What a set of sales left behind, without row ids, versions or timestamps. */
  async function effects(tx: Tx, t: Tablet, orderIds: string[]) {
    const q = async (sql: string, params: unknown[]) => (await tx.query(sql, params)).rows;
    return {
      orders: await q(`select id, location_id, device_id, number, staff_id, customer_id, status, payment_status, subtotal_cents, discount_cents,
                              tax_cents, tip_cents, total_cents, note, client_time, deleted from public.orders where id = any($1::uuid[]) order by number`, [orderIds]),
      items: await q(`select id, location_id, order_id, product_id, name, quantity, unit_price_cents, modifiers, line_total_cents, tax_rate_bps
                      from public.order_items where order_id = any($1::uuid[]) order by id`, [orderIds]),
      movements: await q(`select location_id, item_id, delta, reason, order_id, staff_id, device_id from public.stock_movements
                          where order_id = any($1::uuid[]) order by order_id, item_id`, [orderIds]),
      levels: await q(`select id, quantity from public.stock_levels where location_id = $1 order by id`, [t.locationId]),
      points: await q(`select organization_id, location_id, customer_id, delta_points, reason, order_id from public.loyalty_ledger
                       where order_id = any($1::uuid[]) order by order_id`, [orderIds]),
      recon: await q(`select location_id, kind, summary, details, device_id, staff_id, client_id, mutation_id, order_id, status
                      from public.reconciliation_items where client_id = $1 order by mutation_id, kind, summary`, [t.clientId]),
    };
  }

  async function sales(priceOff: boolean) {
    const w = world();
    const t = await w.tablet(cafe(), `V${++codes}`);
    const latte = await byName('products', 'Latte');
    const cappuccino = await byName('products', 'Cappuccino');
    const espresso = await byName('products', 'Espresso');
    const drip = await byName('products', 'Drip coffee');
    const oat = await byName('modifiers', 'Oat');
    const shot = await byName('modifiers', 'Extra shot');
    const [{ id: customerId }] = await w.q<{ id: string }>(`select id from public.customers where organization_id = $1 order by id limit 1`, [w.seed.organizationId]);
    const [{ swap }] = await w.q<{ swap: number }>(
      `select r.quantity as swap from public.recipe_lines r join public.inventory_items i on i.id = r.item_id
       where r.modifier_id = $1 and i.name = 'Oat milk' and not r.deleted`, [oat.id]);
    // Oat milk goes below zero at the third sale (not the first); hot cups are already below
    // zero with an open item for them (nothing new to flag); espresso beans plenty.
    await setLevel((await byName('inventory_items', 'Oat milk')).id, swap + 1);
    await setLevel((await byName('inventory_items', 'Espresso beans')).id, 100000);
    const hotCups = (await byName('inventory_items', 'Hot cups')).id;
    await setLevel(hotCups, -3);
    await asService((tx) => tx.query(
      `insert into public.reconciliation_items (location_id, kind, summary, details) values ($1, 'negative_stock', 'Hot cups went below zero', $2)`,
      [cafe(), JSON.stringify({ itemId: hotCups })]), w.db);

    const line = (p: { id: string; price: number }, quantity: number, mods: { id: string; price: number }[] = [], off = 0) => ({
      id: crypto.randomUUID(), productId: p.id, quantity, unitPriceCents: p.price + mods.reduce((s, m) => s + m.price, 0) + off, modifierIds: mods.map((m) => m.id),
    });
    const orders = [
      { items: [line(latte, 1, [oat, shot])], customerId },
      { items: [line(espresso, 2), line(drip, 1)] },
      { items: [line(latte, 2, [oat]), line(espresso, 1, [shot, shot])], note: 'for here' },
      { items: [line(cappuccino, 1, [oat], priceOff ? -25 : 0)], customerId },
      { items: [line(drip, 3)] },
      { items: [line(latte, 1, [oat]), line(cappuccino, 1)], customerId },
    ];
    const ms: Mutation[] = orders.map((o, i) => ({
      id: i + 1,
      name: 'order.create',
      args: { orderId: crypto.randomUUID(), number: orderNumber(t.code, i + 1), ...o },
      staffId: w.staff.barista,
      clientTime: new Date(Date.UTC(2026, 10, 26, 9, i)).toISOString(),
    }));
    return { w, t, ms, orderIds: ms.map((m) => (m.args as { orderId: string }).orderId) };
  }

  /** Runs fn as the tablet's barista inside a transaction that is then rolled back; returns what fn returned. */
  async function rolledBack<T>(t: Tablet, fn: (tx: Tx) => Promise<T>): Promise<T> {
    let out!: T;
    try {
      await world().db.transaction(async (tx) => {
        await enterClaims(tx, { role: 'authenticated', sub: t.deviceId, device_id: t.deviceId, staff_id: world().staff.barista });
        out = await fn(tx);
        throw new Rollback();
      });
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
    }
    return out;
  }

  const context = (t: Tablet) => ({ deviceId: t.deviceId, deviceCode: t.code, locationId: t.locationId, organizationId: t.organizationId, clientId: t.clientId });

  it.each([
    { priceOff: false, set: true },
    { priceOff: true, set: false },
  ])('a run of sales (price off the menu: $priceOff) leaves what the sales one by one leave', async ({ priceOff, set }) => {
    const { w, t, ms, orderIds } = await sales(priceOff);
    const oneByOne = await rolledBack(t, async (tx) => {
      for (const m of ms) {
        await tx.query(`select app.order_create($1::jsonb, $2::jsonb)`, [
          JSON.stringify({ ...context(t), staffId: m.staffId, mutationId: m.id, clientTime: m.clientTime }), JSON.stringify(m.args),
        ]);
      }
      await tx.exec('reset role');
      return effects(tx, t, orderIds);
    });
    // The one-by-one path flagged the oat milk at the third sale, and the price difference.
    const flags = oneByOne.recon.map((r) => `${r.kind}@${r.mutation_id}`);
    expect(flags).toEqual(priceOff ? ['negative_stock@3', 'price_difference@4'] : ['negative_stock@3']);
    expect(oneByOne.points.length).toBe(3);

    // The set path takes this run by itself (or, with a price off the menu, leaves it to the one-by-one path).
    const direct = await rolledBack(t, async (tx) => {
      try {
        await tx.query(`select app.order_create_run($1::jsonb, $2::jsonb)`, [JSON.stringify(context(t)), JSON.stringify(ms)]);
      } catch {
        return null;
      }
      await tx.exec('reset role');
      return effects(tx, t, orderIds);
    });
    expect(direct === null).toBe(!set);
    if (direct) expect(direct).toEqual(oneByOne);

    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: ms }, w.db);
    expect(r.results.map((x) => x.status)).toEqual(ms.map(() => 'applied'));
    expect(await asService((tx) => effects(tx, t, orderIds), w.db)).toEqual(oneByOne);
  });

  it('applies a run of sales with their payments and status changes as the sales first, in one set, then the rest in push order', async () => {
    const { w, t, ms } = await sales(false);
    const order = (i: number) => (ms[i].args as { orderId: string }).orderId;
    const at = (id: number, name: string, args: unknown): Mutation => ({ id, name, args, staffId: w.staff.barista, clientTime: new Date().toISOString() });
    const paymentId = crypto.randomUUID();
    // sales 1-2, a status change of sale 1, sales 3-4, a status change of sale 4, sale 5,
    // its payment, sale 6: no two sales apart from 1-2 and 3-4 are next to each other
    const batch = [
      { ...ms[0], id: 1 }, { ...ms[1], id: 2 },
      at(3, 'order.setStatus', { orderId: order(0), status: 'ready' }),
      { ...ms[2], id: 4 }, { ...ms[3], id: 5 },
      at(6, 'order.setStatus', { orderId: order(3), status: 'in_progress' }),
      { ...ms[4], id: 7 },
      at(8, 'order.payCash', { orderId: order(4), paymentId, amountCents: 1, tenderedCents: 1 }),
      { ...ms[5], id: 9 },
    ];
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: batch }, w.db);
    expect(r.results.map((x) => x.status)).toEqual(batch.map(() => 'applied'));
    // Versions are taken in the order rows are written: all six orders, then all their items
    // (one set), then the status changes and the payment in push order.
    const v = async (table: string, id: string) => Number((await w.q<{ version: string }>(`select version from public.${table} where id = $1`, [id]))[0].version);
    const items = ms.flatMap((m) => (m.args as { items: { id: string }[] }).items.map((i) => i.id));
    const itemVersions = await Promise.all(items.map((id) => v('order_items', id)));
    const unchanged = await Promise.all([1, 2, 4, 5].map((i) => v('orders', order(i))));
    const [s0, s3, pay] = [await v('orders', order(0)), await v('orders', order(3)), await v('payments', paymentId)];
    expect(Math.max(...unchanged)).toBeLessThan(Math.min(...itemVersions)); // orders, then items: one set
    expect(Math.max(...itemVersions)).toBeLessThan(s0);
    expect(s0 < s3 && s3 < pay).toBe(true);
    expect(await w.q(`select status from public.orders where id = any($1::uuid[]) order by status`, [[order(0), order(3)]])).toEqual([{ status: 'in_progress' }, { status: 'ready' }]);
  });

  it.each([{ twice: false }, { twice: true }])('a tablet\'s sales, each paid in cash (the last paid twice: $twice), leave what they leave one by one', async ({ twice }) => {
    const { w, t, ms, orderIds } = await sales(false);
    // each sale, then its payment in cash (the last one twice: the second is refused)
    const batch: Mutation[] = [];
    const paymentIds: string[] = [];
    let id = 0;
    for (const m of ms) {
      batch.push({ ...m, id: ++id });
      const paymentId = crypto.randomUUID();
      paymentIds.push(paymentId);
      batch.push({ id: ++id, name: 'order.payCash', args: { orderId: (m.args as { orderId: string }).orderId, paymentId, amountCents: 0, tenderedCents: 0 }, staffId: m.staffId, clientTime: m.clientTime });
    }
    batch.push({ id: ++id, name: 'order.setStatus', args: { orderId: orderIds[0], status: 'ready' }, staffId: w.staff.barista, clientTime: new Date().toISOString() });
    // the exact totals, as the tablet computes them (from the one-by-one run)
    const payments = async (tx: Tx) => ({
      payments: (await tx.query(`select location_id, order_id, method, amount_cents, tendered_cents, status, staff_id, device_id from public.payments where order_id = any($1::uuid[]) order by order_id`, [orderIds])).rows,
      drawer: (await tx.query(`select location_id, kind, amount_cents, order_id, staff_id from public.drawer_movements where order_id = any($1::uuid[]) order by order_id`, [orderIds])).rows,
    });
    const totals = await rolledBack(t, async (tx) => {
      for (const m of ms) await tx.query(`select app.order_create($1::jsonb, $2::jsonb)`, [JSON.stringify({ ...context(t), staffId: m.staffId, mutationId: m.id, clientTime: m.clientTime }), JSON.stringify(m.args)]);
      return new Map((await tx.query<{ id: string; total_cents: number }>(`select id, total_cents from public.orders where id = any($1::uuid[])`, [orderIds])).rows.map((o) => [o.id, o.total_cents]));
    });
    for (const m of batch) {
      if (m.name !== 'order.payCash') continue;
      const a = m.args as { orderId: string; amountCents: number; tenderedCents: number };
      a.amountCents = a.tenderedCents = totals.get(a.orderId)!;
    }
    const last = batch.length; // with the second payment, its id
    if (twice) batch.splice(last - 1, 0, { ...batch[last - 2], id: 0, args: { ...(batch[last - 2].args as object), paymentId: crypto.randomUUID() } });
    batch.forEach((m, i) => (m.id = i + 1));
    const refusedIds = twice ? [last] : [];

    const oneByOne = await rolledBack(t, async (tx) => {
      const refused: number[] = [];
      for (const m of batch) {
        await tx.exec('savepoint one');
        try {
          await tx.query(`select app.apply_one($1::jsonb, $2::jsonb)`, [JSON.stringify({ ...context(t), staffId: m.staffId, mutationId: m.id, clientTime: m.clientTime }), JSON.stringify(m)]);
          await tx.exec('release savepoint one');
        } catch {
          await tx.exec('rollback to savepoint one');
          refused.push(m.id);
        }
      }
      await tx.exec('reset role');
      return { refused, ...(await effects(tx, t, orderIds)), ...(await payments(tx)) };
    });
    expect(oneByOne.refused).toEqual(refusedIds); // the second payment of the last sale
    expect(oneByOne.orders.every((o) => o.payment_status === 'paid')).toBe(true);

    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: batch }, w.db);
    expect(r.results.filter((x) => x.status === 'rejected').map((x) => [x.id, x.error?.code])).toEqual(refusedIds.map((i) => [i, 'CONFLICT']));
    const pushed = await asService(async (tx) => ({ refused: refusedIds, ...(await effects(tx, t, orderIds)), ...(await payments(tx)) }), w.db);
    // the push also records the refusal for a manager, which the rules alone do not
    expect(pushed.recon.filter((x) => x.kind === 'rejected_mutation').map((x) => x.mutation_id)).toEqual(refusedIds);
    expect({ ...pushed, recon: pushed.recon.filter((x) => x.kind !== 'rejected_mutation') }).toEqual(oneByOne);
    // with nothing refused the sales went as one set: every item written before the first payment
    const v = async (table: string, id: string) => Number((await w.q<{ version: string }>(`select version from public.${table} where id = $1`, [id]))[0].version);
    const lastItem = (ms[ms.length - 1].args as { items: { id: string }[] }).items[0].id;
    expect((await v('order_items', lastItem)) < (await v('payments', paymentIds[0]))).toBe(!twice);
  });

  it('keeps a payment before the sale of its own order where it was: refused, as one by one (its id in capitals)', async () => {
    const { w, t, ms } = await sales(false);
    const order = (i: number) => (ms[i].args as { orderId: string }).orderId;
    const batch: Mutation[] = [
      { ...ms[0], id: 1 },
      { id: 2, name: 'order.payCash', args: { orderId: order(1).toUpperCase(), paymentId: crypto.randomUUID(), amountCents: 1, tenderedCents: 1 }, staffId: w.staff.barista, clientTime: new Date().toISOString() },
      { ...ms[1], id: 3 },
      { ...ms[2], id: 4 },
    ];
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: batch }, w.db);
    expect(r.results.map((x) => [x.id, x.status, x.error?.code ?? null])).toEqual([[1, 'applied', null], [2, 'rejected', 'NOT_FOUND'], [3, 'applied', null], [4, 'applied', null]]);
    expect(await w.q(`select count(*)::int as n from public.payments where order_id = $1`, [order(1)])).toEqual([{ n: 0 }]);
  });

  it('refuses nothing itself: a sale the rules refuse sends the run one by one, where only that sale is refused', async () => {
    const { w, t, ms } = await sales(false);
    (ms[4].args as { number: string }).number = (ms[1].args as { number: string }).number; // a number used twice in the run
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: ms }, w.db);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'rejected', 'applied']);
    expect(r.results[4].error?.code).toBe('CONFLICT');
    expect((await w.q(`select id from public.orders where device_id = $1`, [t.deviceId])).length).toBe(5);
  });

  it('the sales of several tablets waiting at once go as one set, and leave what their pushes one after another leave', async () => {
    const { w, ms, orderIds } = await sales(false);
    // three tablets with two of the six sales each, numbered with their own codes (the oat
    // milk goes below zero at the second tablet's first sale), the third one's first sale
    // then marked ready
    const tablets = [await w.tablet(cafe(), `G${++codes}`), await w.tablet(cafe(), `G${++codes}`), await w.tablet(cafe(), `G${++codes}`)];
    const runs: Mutation[][] = tablets.map((t, k) =>
      [ms[2 * k], ms[2 * k + 1]].map((m, i) => ({ ...m, id: i + 1, args: { ...(m.args as object), number: orderNumber(t.code, i + 1) } })));
    runs[2].push({ id: 3, name: 'order.setStatus', args: { orderId: orderIds[4], status: 'ready' }, staffId: w.staff.barista, clientTime: new Date().toISOString() });
    const all = async (tx: Tx) => {
      const e = await effects(tx, tablets[0], orderIds);
      const recon = [];
      for (const t of tablets) recon.push(...(await effects(tx, t, orderIds)).recon);
      return { ...e, recon };
    };

    // each tablet's push in turn, as app.apply_mutations applies one push alone
    const inTurn = await rolledBack(tablets[0], async (tx) => {
      for (const [k, t] of tablets.entries()) {
        await enterClaims(tx, { role: 'authenticated', sub: t.deviceId, device_id: t.deviceId, staff_id: w.staff.barista });
        const { rows } = await tx.query<{ refused: unknown[] }>(`select app.apply_mutations($1::jsonb, $2::jsonb) as refused`, [JSON.stringify(context(t)), JSON.stringify(runs[k])]);
        expect(rows[0].refused).toEqual([]);
      }
      await tx.exec('reset role');
      return all(tx);
    });
    expect(inTurn.recon.map((r) => `${r.kind}@${r.client_id === tablets[1].clientId ? 'second' : 'other'}:${r.mutation_id}`)).toEqual(['negative_stock@second:1']);
    expect(inTurn.orders.map((o) => `${o.number} ${o.device_id}`).sort()).toEqual(tablets.flatMap((t) => [1, 2].map((i) => `${orderNumber(t.code, i)} ${t.deviceId}`)).sort());

    // the three as one group, in one call
    const together = await rolledBack(tablets[0], async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>(`select app.apply_group($1::jsonb, $2::jsonb) as ok`, [
        JSON.stringify(context(tablets[0])), JSON.stringify(tablets.map((t, k) => ({ c: context(t), ms: runs[k] }))),
      ]);
      expect(rows[0].ok).toBe(true);
      await tx.exec('reset role');
      return all(tx);
    });
    expect(together).toEqual(inTurn);

    // and through the push path, the three waiting at the gate while it is held
    const release = await holdGate(w, cafe());
    const pushes = tablets.map((t, k) => push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: runs[k] }, w.db));
    await release();
    const results = await Promise.all(pushes);
    expect(results.map((r) => [r.lastMutationId, ...r.results.map((x) => x.status)])).toEqual([[2, 'applied', 'applied'], [2, 'applied', 'applied'], [3, 'applied', 'applied', 'applied']]);
    expect(await asService((tx) => all(tx), w.db)).toEqual(inTurn);
    // one transaction, and one set: every order written before any of their items
    expect(await w.q(`select count(distinct xmin::text)::int as n from public.mutation_log where client_id = any($1::uuid[])`, [tablets.map((t) => t.clientId)])).toEqual([{ n: 1 }]);
    const versions = async (table: string, ids: string[]) => (await w.q<{ v: string }>(`select version as v from public.${table} where id = any($1::uuid[])`, [ids])).map((r) => Number(r.v));
    const items = ms.flatMap((m) => (m.args as { items: { id: string }[] }).items.map((i) => i.id));
    const unchanged = orderIds.filter((id) => id !== orderIds[4]); // the one marked ready after
    expect(Math.max(...(await versions('orders', unchanged)))).toBeLessThan(Math.min(...(await versions('order_items', items))));
    expect(await w.q(`select status from public.orders where id = $1`, [orderIds[4]])).toEqual([{ status: 'ready' }]);
  });
});

describe.each(engines())('the set path’s refusal check on $name', (engine) => {
  const world = useSyncWorld(engine);
  let codes = 0;

  async function run(n: number) {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, `R${++codes}`);
    const [p] = await w.q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and not deleted order by name limit 1`, [t.locationId]);
    const ms: Mutation[] = Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      name: 'order.create',
      args: { orderId: crypto.randomUUID(), number: orderNumber(t.code, i + 1), items: [{ id: crypto.randomUUID(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] }] },
      staffId: w.staff.barista,
      clientTime: new Date().toISOString(),
    }));
    return { w, t, ms };
  }

  /** app.run_refused as the tablet's barista, with what it cost in buffers (EXPLAIN counts those of the statements inside). */
  async function refused(t: Tablet, ms: Mutation[]): Promise<{ refused: boolean; buffers: number }> {
    const w = world();
    return w.db.transaction(async (tx) => {
      await enterClaims(tx, { role: 'authenticated', sub: t.deviceId, device_id: t.deviceId, staff_id: w.staff.barista });
      const ctx = JSON.stringify({ deviceId: t.deviceId, deviceCode: t.code, locationId: t.locationId, organizationId: t.organizationId, clientId: t.clientId });
      const { rows } = await tx.query<{ r: boolean }>(`select app.run_refused($1::jsonb, $2::jsonb) as r`, [ctx, JSON.stringify(ms)]);
      return { refused: rows[0].r, buffers: await buffersRead(tx, `select app.run_refused($1::jsonb, $2::jsonb)`, [ctx, JSON.stringify(ms)]) };
    });
  }

  type Args = { orderId: string; number: string; customerId?: string };
  it.each<[string, (ms: Mutation[], w: ReturnType<ReturnType<typeof useSyncWorld>>, t: Tablet) => Promise<void>]>([
    ['another device’s number', async (ms) => void ((ms[2].args as Args).number = 'ZZZ-0003')],
    ['a number twice in the run', async (ms) => void ((ms[2].args as Args).number = (ms[0].args as Args).number)],
    ['an order id twice in the run', async (ms) => void ((ms[2].args as Args).orderId = (ms[0].args as Args).orderId)],
    ['a number used before', async (ms, w, t) => {
      const r = await push(t, { clientId: crypto.randomUUID(), schemaVersion: SCHEMA_VERSION, mutations: [{ ...ms[2], id: 1, args: { ...(ms[2].args as Args), orderId: crypto.randomUUID() } }] }, w.db);
      expect(r.results[0].status).toBe('applied');
    }],
    ['an order id used before', async (ms, w, t) => {
      const r = await push(t, { clientId: crypto.randomUUID(), schemaVersion: SCHEMA_VERSION, mutations: [{ ...ms[2], id: 1, args: { ...(ms[2].args as Args), number: orderNumber(t.code, 99) } }] }, w.db);
      expect(r.results[0].status).toBe('applied');
    }],
    ['an unknown customer', async (ms) => void ((ms[2].args as Args).customerId = crypto.randomUUID())],
  ])('is true for %s, and false for the same run without it', async (_, spoil) => {
    const { w, t, ms } = await run(4);
    expect((await refused(t, ms)).refused).toBe(false);
    const [{ id: customerId }] = await w.q<{ id: string }>(`select id from public.customers where organization_id = $1 order by id limit 1`, [w.seed.organizationId]);
    (ms[1].args as Args).customerId = customerId; // a known customer is fine
    expect((await refused(t, ms)).refused).toBe(false);
    await spoil(ms, w, t);
    expect((await refused(t, ms)).refused).toBe(true);
  });

  it('looks each sale up by index: what it reads follows the push, not how many orders the café has', async () => {
    const { w, t, ms } = await run(10);
    // planned now, while the location has a handful of orders (a plan cached from here read
    // every order of the location later: 2,500 buffers at 9,000 orders, on the embedded engine)
    const before = await refused(t, ms);
    expect(before.refused).toBe(false);
    // 3,000 earlier sales at the location, from another device (numbers of its own)
    await earlierSales(w, t.locationId, `H${++codes}`, 3000);
    const after = await refused(t, ms);
    expect(after.refused).toBe(false);
    // a deeper index at most, never the location's 3,000 orders
    expect(after.buffers).toBeLessThan(before.buffers + 100);
  });
});
