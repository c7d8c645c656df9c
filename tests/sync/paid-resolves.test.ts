// An order left to pay later, then paid in cash at the counter: its "unpaid" item is
// resolved by itself (the manager has nothing left to decide), on both engines.
import { describe, expect, it } from 'vitest';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { engines } from '../fixtures/engines.ts';
import { useSyncWorld } from '../fixtures/sync-world.ts';

const id = () => crypto.randomUUID();

describe.each(engines())('a paid order resolves its items on $name', (engine) => {
  const world = useSyncWorld(engine);

  it('pay later, then cash: the unpaid item closes itself; another order’s item stays open', async () => {
    const w = world();
    const [p] = await w.q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and name = 'Espresso'`, [w.seed.cafeLocationId]);
    const order = async (n: number) => {
      const orderId = id();
      expect((await w.run(w.cafe, 'order.create', { orderId, number: orderNumber(w.cafe.code, 7000 + n), items: [{ id: id(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] }] })).status).toBe('applied');
      expect((await w.run(w.cafe, 'order.markPayLater', { orderId })).status).toBe('applied');
      return orderId;
    };
    const paid = await order(1);
    const owed = await order(2);
    const items = () => w.q<{ order_id: string; status: string; auto: boolean | null }>(
      `select order_id, status, (resolution->>'auto')::boolean as auto from public.reconciliation_items where kind = 'unpaid_order' and order_id = any($1) order by order_id`,
      [[paid, owed]],
    );
    expect((await items()).map((i) => i.status)).toEqual(['open', 'open']);
    const [{ total_cents }] = await w.q<{ total_cents: number }>(`select total_cents from public.orders where id = $1`, [paid]);
    expect((await w.run(w.cafe, 'order.payCash', { orderId: paid, paymentId: id(), amountCents: total_cents, tenderedCents: total_cents })).status).toBe('applied');
    const after = await items();
    expect(after.find((i) => i.order_id === paid)).toMatchObject({ status: 'resolved', auto: true });
    expect(after.find((i) => i.order_id === owed)).toMatchObject({ status: 'open' });
  });
});
