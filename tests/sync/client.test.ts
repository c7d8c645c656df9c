// The tablet's sync client against the real server: a sale rung up on one tablet reaches
// the other; a refused mutation disappears from the screen with its reason; the outbox
// and the optimistic change are written together.
import { describe, expect, it } from 'vitest';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { engines } from '../fixtures/engines.ts';
import { prng } from '../fixtures/in-process-transport.ts';
import { useSyncWorld } from '../fixtures/sync-world.ts';
import { SyncHttpError } from '../../src/client/sync/transport.ts';
import { simulatedTablet } from '../fixtures/tablet.ts';

describe.each(engines())('sync client on $name', (engine) => {
  const world = useSyncWorld(engine);

  it('a sold-out product on one tablet shows on the other', async () => {
    const w = world();
    const server = { db: w.db, up: true };
    const a = await simulatedTablet(server, await w.tablet(w.seed.cafeLocationId, 'J'), prng(1));
    const b = await simulatedTablet(server, await w.tablet(w.seed.cafeLocationId, 'K'), prng(2));
    await a.settle();
    await b.settle();
    const products = (await a.snapshot()).products as { id: string }[];
    expect(products.length).toBeGreaterThan(10);
    await a.mutate('product.setSoldOut', { productId: products[0].id, soldOut: true }, w.staff.barista);
    // optimistic: the change and its outbox entry are there before any sync
    expect(await a.db.outbox.count()).toBe(1);
    expect(((await a.snapshot()).product_availability as { product_id: string; sold_out: boolean }[]).find((r) => r.product_id === products[0].id)?.sold_out).toBe(true);
    expect(await a.settle()).toBe(true);
    await b.settle();
    const seen = ((await b.snapshot()).product_availability as { product_id: string; sold_out: boolean }[]).find((r) => r.product_id === products[0].id);
    expect(seen?.sold_out).toBe(true);
    expect(await a.snapshot()).toEqual(await b.snapshot());
  });

  it('a refused mutation disappears after sync and says why', async () => {
    const w = world();
    const server = { db: w.db, up: true };
    const a = await simulatedTablet(server, await w.tablet(w.seed.cafeLocationId, 'L'), prng(3));
    await a.settle();
    const item = ((await a.snapshot()).inventory_items as { id: string }[])[0];
    // a barista may not count stock; the tablet lets it through optimistically, the server refuses
    await a.mutate('stock.count', { movementId: crypto.randomUUID(), itemId: item.id, countedQuantity: 7 }, w.staff.barista);
    expect(((await a.snapshot()).stock_levels as { id: string; quantity: number }[]).find((l) => l.id === item.id)?.quantity).toBe(7);
    await a.settle();
    const level = ((await a.snapshot()).stock_levels as { id: string; quantity: number }[]).find((l) => l.id === item.id)?.quantity;
    const [server_] = await w.q<{ quantity: number }>(`select quantity from public.stock_levels where id = $1`, [item.id]);
    expect(level).toBe(server_.quantity);
    expect(a.engine.status.rejections[0]).toMatchObject({ name: 'stock.count', code: 'FORBIDDEN' });
    expect(a.engine.status.pending).toBe(0);
  });

  it('a tablet whose pushes fail still pulls the others’ changes, and tells the server what it holds', async () => {
    const w = world();
    const server = { db: w.db, up: true };
    const a = await simulatedTablet(server, await w.tablet(w.seed.cafeLocationId, 'P'), prng(5));
    const b = await simulatedTablet(server, await w.tablet(w.seed.cafeLocationId, 'Q'), prng(6));
    await a.settle();
    await b.settle();
    const [p0, p1, p2] = (await a.snapshot()).products as { id: string }[];
    const push = a.net.transport.push;
    a.net.transport.push = async () => {
      throw new SyncHttpError(500, 'INTERNAL', 'The server could not apply this change.');
    };
    await a.mutate('product.setSoldOut', { productId: p0.id, soldOut: true }, w.staff.barista);
    await a.mutate('product.setSoldOut', { productId: p1.id, soldOut: true }, w.staff.barista);
    await b.mutate('product.setSoldOut', { productId: p2.id, soldOut: true }, w.staff.barista);
    expect(await b.settle()).toBe(true);
    await expect(a.engine.sync()).rejects.toThrow('could not apply');
    const soldOut = async () => ((await a.snapshot()).product_availability as { product_id: string; sold_out: boolean }[]).filter((r) => r.sold_out).map((r) => r.product_id).sort();
    expect(await soldOut()).toEqual([p0.id, p1.id, p2.id].sort()); // b's change arrived; a's own two are still on top
    const oldest = (await a.db.outbox.orderBy('id').first())!.clientTime;
    const report = async () => (await w.q<{ waiting_mutations: number; oldest: string | null; app_version: string }>(
      `select waiting_mutations, to_char(oldest_waiting_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as oldest, app_version from app.device_queue_reports where device_id = $1`,
      [a.device.deviceId],
    ))[0];
    expect(await report()).toEqual({ waiting_mutations: 2, oldest, app_version: 'dev' });
    a.net.transport.push = push;
    expect(await a.settle()).toBe(true);
    expect(await report()).toEqual({ waiting_mutations: 0, oldest: null, app_version: 'dev' });
    expect(await soldOut()).toEqual([p0.id, p1.id, p2.id].sort());
  });

  it('rings up an order offline, then syncs it once', async () => {
    const w = world();
    const server = { db: w.db, up: true };
    const a = await simulatedTablet(server, await w.tablet(w.seed.cafeLocationId, 'M'), prng(4));
    await a.settle();
    const snap = await a.snapshot();
    const p = (snap.products as { id: string; price_cents: number }[])[0];
    server.up = false;
    const orderId = crypto.randomUUID();
    await a.mutate('order.create', { orderId, number: orderNumber('M', 1), items: [{ id: crypto.randomUUID(), productId: p.id, quantity: 2, unitPriceCents: p.price_cents, modifierIds: [] }] }, w.staff.barista);
    expect(await a.settle(3)).toBe(false);
    expect(a.engine.status.pending).toBe(1);
    expect(((await a.snapshot()).orders as { id: string }[]).some((o) => o.id === orderId)).toBe(true);
    server.up = true;
    expect(await a.settle()).toBe(true);
    const rows = await w.q(`select number from public.orders where id = $1`, [orderId]);
    expect(rows).toEqual([{ number: 'M-0001' }]);
  });

  it('starts a new client once when its client id is refused, and does not loop when that does not cure it', async () => {
    const w = world();
    const a = await simulatedTablet({ db: w.db, up: true }, await w.tablet(w.seed.cafeLocationId, 'N'), prng(5));
    await a.settle();
    const products = (await a.snapshot()).products as { id: string }[];
    for (let i = 0; i < 3; i++) await a.mutate('product.setSoldOut', { productId: products[i].id, soldOut: true }, w.staff.barista);
    const clientBefore = (await a.db.meta.get('clientId'))?.value;
    let calls = 0;
    a.net.transport.push = async () => {
      calls++;
      throw new SyncHttpError(403, 'FORBIDDEN', 'Cross-site request refused.');
    };
    await expect(a.engine.sync()).rejects.toThrow(/Cross-site/);
    expect(calls).toBe(2);
    expect(await a.db.outbox.count()).toBe(3);
    expect((await a.db.meta.get('clientId'))?.value).not.toBe(clientBefore);
  });
});
