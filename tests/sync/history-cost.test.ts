// What a push reads must follow the push, not the café's history (issue #3). The sale a
// barista rings up while online is pushed alone, with its cash payment, and applied one
// mutation at a time (app.order_create, app.order_pay_cash). Their statements' plans are
// cached by each connection, and a plan made while the location had a handful of orders
// can read all of them on every sale later (checking an order's id beside the location's
// index: nothing on the first day, 12 ms a sale at 30,000 sales). What makes PostgreSQL plan
// them again is fresh statistics: autovacuum's ANALYZE on a PostgreSQL server, and in
// embedded mode, where PGlite has no autovacuum, the server's own (src/server/db/maintenance.ts).
// The case applies the same push before and after 3,000 earlier sales at the location, on
// the same connection, and counts the buffers it read (EXPLAIN counts those of the
// statements inside the functions).
import { describe, expect, it } from 'vitest';
import { enterClaims } from '../../src/server/db/index.ts';
import { maintain } from '../../src/server/db/maintenance.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import type { Mutation } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { buffersRead, earlierSales, useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

class Rollback extends Error {}

describe.each(engines())('a single sale’s push on $name', (engine) => {
  const world = useSyncWorld(engine);
  let codes = 0;

  /** One sale of a latte and its cash payment, as the tablet queues them. */
  async function sale(t: Tablet, seq: number): Promise<Mutation[]> {
    const w = world();
    const [p] = await w.q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and name = 'Latte'`, [t.locationId]);
    const orderId = crypto.randomUUID();
    const line = { id: crypto.randomUUID(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] };
    const clientTime = new Date().toISOString();
    const [{ total }] = await w.q<{ total: number }>(
      `select $1::integer + ($1::integer * tax_rate_bps * 2 + 10000) / 20000 as total from public.locations where id = $2`,
      [p.price_cents, t.locationId],
    );
    return [
      { id: seq, name: 'order.create', args: { orderId, number: orderNumber(t.code, seq), items: [line] }, staffId: w.staff.barista, clientTime },
      { id: seq + 1, name: 'order.payCash', args: { orderId, paymentId: crypto.randomUUID(), amountCents: total, tenderedCents: total }, staffId: w.staff.barista, clientTime },
    ];
  }

  /** app.apply_mutations for the push, as the tablet's barista, rolled back; what it refused and the buffers it read. */
  async function apply(t: Tablet, ms: Mutation[]): Promise<{ refused: unknown[]; buffers: number }> {
    const w = world();
    let out: { refused: unknown[]; buffers: number } | null = null;
    await w.db
      .transaction(async (tx) => {
        await enterClaims(tx, { role: 'authenticated', sub: t.deviceId, device_id: t.deviceId, staff_id: w.staff.barista });
        const ctx = JSON.stringify({ deviceId: t.deviceId, deviceCode: t.code, locationId: t.locationId, organizationId: t.organizationId, clientId: t.clientId });
        await tx.exec('savepoint probe');
        const { rows } = await tx.query<{ r: unknown[] }>(`select app.apply_mutations($1::jsonb, $2::jsonb) as r`, [ctx, JSON.stringify(ms)]);
        await tx.exec('rollback to savepoint probe');
        out = { refused: rows[0].r, buffers: await buffersRead(tx, `select app.apply_mutations($1::jsonb, $2::jsonb)`, [ctx, JSON.stringify(ms)]) };
        throw new Rollback();
      })
      .catch((err) => {
        if (!(err instanceof Rollback)) throw err;
      });
    return out!;
  }

  it('reads what the sale touches, not the location’s earlier orders', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, `P${++codes}`);
    // the same sale, a few times while the location has a handful of orders (plans are
    // cached from the sixth call of a statement on)
    let before = await apply(t, await sale(t, 1));
    for (let i = 0; i < 6; i++) before = await apply(t, await sale(t, 1));
    expect(before.refused).toEqual([]);
    // 3,000 earlier sales at the location, from another device (numbers of its own)
    await earlierSales(w, t.locationId, `Q${++codes}`, 3000);
    if (w.db.mode === 'embedded') {
      // what the embedded server does at most a minute later
      expect((await maintain(w.db)).analyzed).toContain('public.orders');
    } else {
      await w.db.exec('vacuum analyze public.orders'); // autovacuum's work on a server (3,000 inserts), done at once
    }
    const after = await apply(t, await sale(t, 1));
    expect(after.refused).toEqual([]);
    // deeper indexes at most, never the location's 3,000 orders: a plan that walks them
    // reads all their pages and those of an index (~190 more here, against 68 pages)
    const [{ pages }] = await w.q<{ pages: number }>(`select pg_relation_size('public.orders') / current_setting('block_size')::int as pages`);
    expect(pages).toBeGreaterThan(50);
    expect(after.buffers).toBeLessThan(before.buffers + pages);
  });
});
