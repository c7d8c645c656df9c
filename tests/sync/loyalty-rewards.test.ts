// Loyalty rewards through the real push path (issue #4, DESIGN §6 loyalty): points spent
// on an order become money off it at the location's rate (100 points = $5.00 in the demo),
// whole rewards only and never more than is owed; the tablet's optimistic totals use the
// same rule; a voided order gets no discount; spending past the balance is flagged.
import { describe, expect, it } from 'vitest';
import { orderNumber, rewardDiscountCents } from '../../src/shared/domain/money.ts';
import { engines } from '../fixtures/engines.ts';
import { useSyncWorld } from '../fixtures/sync-world.ts';

const id = () => crypto.randomUUID();

describe('the reward rule', () => {
  it('gives whole rewards only, capped at what is owed', () => {
    const rule = { points: 100, cents: 500 };
    expect(rewardDiscountCents(100, rule, 1207)).toBe(500);
    expect(rewardDiscountCents(199, rule, 1207)).toBe(500);
    expect(rewardDiscountCents(200, rule, 1207)).toBe(1000);
    expect(rewardDiscountCents(99, rule, 1207)).toBe(0);
    expect(rewardDiscountCents(300, rule, 1207)).toBe(1207);
    expect(rewardDiscountCents(100, rule, 0)).toBe(0);
  });
});

describe.each(engines())('loyalty rewards on $name', (engine) => {
  const world = useSyncWorld(engine);
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => world().q<T>(sql, params);
  let seq = 0;

  async function customerWith(points: number) {
    const w = world();
    const [{ id: c }] = await q<{ id: string }>(`insert into public.customers (organization_id, name) values ($1, 'Reward Rae') returning id`, [w.seed.organizationId]);
    await q(`insert into public.loyalty_ledger (id, organization_id, customer_id, delta_points, reason) values (gen_random_uuid(), $1, $2, $3, 'adjust')`, [w.seed.organizationId, c, points]);
    return c;
  }
  async function croissantOrder() {
    const w = world();
    const [p] = await q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and name = 'Butter croissant'`, [w.seed.cafeLocationId]);
    const args = { orderId: id(), number: orderNumber(w.cafe.code, 9000 + ++seq), items: [{ id: id(), productId: p.id, quantity: 2, unitPriceCents: p.price_cents, modifierIds: [] }] };
    expect((await w.run(w.cafe, 'order.create', args)).status).toBe('applied');
    return args.orderId;
  }
  const order = async (orderId: string) => (await q<{ total_cents: number; discount_cents: number; payment_status: string }>(`select total_cents, discount_cents, payment_status from public.orders where id = $1`, [orderId]))[0];
  const balance = async (c: string) => (await q<{ n: number }>(`select coalesce(sum(delta_points), 0)::int as n from public.loyalty_ledger where customer_id = $1`, [c]))[0].n;

  it('takes a reward off the order, then the cash pays the rest and closes it', async () => {
    const w = world();
    const c = await customerWith(150);
    const o = await croissantOrder();
    const before = await order(o);
    expect(before.total_cents).toBe(816); // 2 × 375 + 8.75% tax
    expect((await w.run(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 100, orderId: o })).status).toBe('applied');
    expect(await order(o)).toEqual({ total_cents: 316, discount_cents: 500, payment_status: 'unpaid' });
    expect(await balance(c)).toBe(50);
    // paying the old total is refused (more than is owed); paying what is left closes it
    expect((await w.run(w.cafe, 'order.payCash', { orderId: o, paymentId: id(), amountCents: 816, tenderedCents: 1000 })).status).toBe('rejected');
    expect((await w.run(w.cafe, 'order.payCash', { orderId: o, paymentId: id(), amountCents: 316, tenderedCents: 500 })).status).toBe('applied');
    expect((await order(o)).payment_status).toBe('paid');
  });

  it('a reward worth more than the order makes it free and paid; redeeming past the balance is flagged', async () => {
    const w = world();
    const c = await customerWith(100);
    const o = await croissantOrder();
    expect((await w.run(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 200, orderId: o })).status).toBe('applied');
    expect(await order(o)).toEqual({ total_cents: 0, discount_cents: 816, payment_status: 'paid' });
    expect(await balance(c)).toBe(-100);
    const flags = await q(`select kind from public.reconciliation_items where order_id = $1`, [o]);
    expect(flags).toEqual([{ kind: 'loyalty_overdraft' }]);
  });

  it('a voided order gets no discount, and an unknown order writes nothing', async () => {
    const w = world();
    const c = await customerWith(500);
    const o = await croissantOrder();
    expect((await w.run(w.cafe, 'order.void', { orderId: o, reason: 'dropped it' }, w.staff.manager)).status).toBe('applied');
    expect((await w.run(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 100, orderId: o })).status).toBe('applied');
    expect((await order(o)).discount_cents).toBe(0);
    const r = await w.run(w.cafe, 'loyalty.redeem', { entryId: id(), customerId: c, points: 100, orderId: id() });
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await balance(c)).toBe(400);
  });
});
