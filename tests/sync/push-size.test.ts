// A tablet's queue goes to the server in pushes the server takes (pushAll in
// src/client/sync/engine.ts): more at a time while the server answers quickly, 50 at a
// time while it is slow, under 1 MB however big the sales are, and halved when something
// on the way (a proxy) refuses what the server would take. Every mutation applied once.
import { describe, expect, it } from 'vitest';
import { SyncHttpError } from '../../src/client/sync/transport.ts';
import { clientIdOf } from '../../src/client/db/local-db.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { MAX_PUSH_BYTES, type PushRequest } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { NO_FAULTS, prng } from '../fixtures/in-process-transport.ts';
import { useSyncWorld } from '../fixtures/sync-world.ts';
import { simulatedTablet } from '../fixtures/tablet.ts';

describe.each(engines())('push sizes on $name', (engine) => {
  const world = useSyncWorld(engine);

  /** A tablet whose clock moves `msPerPush` with each push, and a record of its pushes. */
  async function tablet(code: string, msPerPush: number, proxyLimit = Infinity) {
    const w = world();
    let clock = 0;
    const t = await simulatedTablet({ db: w.db, up: true }, await w.tablet(w.seed.cafeLocationId, code), prng(code.charCodeAt(0)), NO_FAULTS, { now: () => clock });
    expect(await t.settle()).toBe(true);
    const sent: { size: number; bytes: number }[] = [];
    const refused: { size: number; bytes: number; by: 'proxy' | 'server' }[] = [];
    const serverPush = t.net.transport.push;
    t.net.transport.push = async (req: PushRequest) => {
      const p = { size: req.mutations.length, bytes: Buffer.byteLength(JSON.stringify(req)) };
      if (p.bytes > proxyLimit) {
        refused.push({ ...p, by: 'proxy' });
        throw new SyncHttpError(413, 'PAYLOAD_TOO_LARGE', 'Something between this tablet and the server refused the request as too large (413).');
      }
      try {
        const res = await serverPush(req);
        sent.push(p);
        return res;
      } catch (err) {
        if (err instanceof SyncHttpError && err.status === 413) refused.push({ ...p, by: 'server' });
        throw err;
      } finally {
        clock += msPerPush;
      }
    };
    const products = (await t.snapshot()).products as { id: string; price_cents: number }[];
    /** Every mutation of this tablet's client is in the server's log once, applied. */
    const loggedOnce = async (n: number) => {
      const rows = await w.q<{ mutation_id: string; status: string }>(
        `select mutation_id, status from public.mutation_log where client_id = $1 order by mutation_id`, [await clientIdOf(t.db)]);
      expect(rows.map((r) => Number(r.mutation_id))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(rows.every((r) => r.status === 'applied')).toBe(true);
    };
    /** A sale of `lines` lines (~150 bytes of JSON each: 200 lines are ~30 KB). */
    const bigSale = (seq: number, lines: number) => ({
      orderId: crypto.randomUUID(),
      number: orderNumber(code, seq),
      items: Array.from({ length: lines }, (_, i) => ({ id: crypto.randomUUID(), productId: products[i % products.length].id, quantity: 1, unitPriceCents: products[i % products.length].price_cents, modifierIds: [] })),
    });
    return { w, t, sent, refused, products, loggedOnce, bigSale };
  }

  it('sends a long queue in growing pushes while the server answers quickly', async () => {
    const { t, w, sent, refused, products, loggedOnce } = await tablet('P', 20);
    for (let i = 0; i < 400; i++) await t.mutate('product.setSoldOut', { productId: products[i % products.length].id, soldOut: i % 2 === 0 }, w.staff.barista);
    expect(await t.settle()).toBe(true);
    expect(sent.map((p) => p.size)).toEqual([50, 100, 200, 50]);
    expect(refused).toEqual([]);
    await loggedOnce(400);
  });

  it('keeps to 50 a push while the server is slow to answer', async () => {
    const { t, w, sent, products, loggedOnce } = await tablet('Q', 400);
    for (let i = 0; i < 200; i++) await t.mutate('product.setSoldOut', { productId: products[i % products.length].id, soldOut: i % 2 === 0 }, w.staff.barista);
    expect(await t.settle()).toBe(true);
    expect(sent.map((p) => p.size)).toEqual([50, 50, 50, 50]);
    await loggedOnce(200);
  });

  it('never sends the server more than 1 MB, however big the sales', async () => {
    const { t, w, sent, refused, bigSale, loggedOnce } = await tablet('R', 20);
    // 45 sales of 200 lines: ~1.35 MB, which 50 a push would have sent at once (413, for ever)
    for (let i = 1; i <= 45; i++) await t.mutate('order.create', bigSale(i, 200), w.staff.barista);
    expect(await t.settle()).toBe(true);
    expect(refused).toEqual([]);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((p) => p.bytes <= MAX_PUSH_BYTES)).toBe(true);
    expect(sent.reduce((a, p) => a + p.size, 0)).toBe(45);
    await loggedOnce(45);
    const [{ n }] = await w.q<{ n: number }>(`select count(*)::int as n from public.order_items i join public.orders o on o.id = i.order_id where o.number like 'R-%'`);
    expect(n).toBe(45 * 200);
  });

  it('sends less at a time when a proxy refuses a push as too large, remembers it, and loses nothing', async () => {
    // two of these sales (~61 KB) pass the proxy, three (~91 KB) do not
    const limit = 75 * 1024;
    const { t, w, sent, refused, bigSale, loggedOnce } = await tablet('S', 20, limit);
    for (let i = 1; i <= 12; i++) await t.mutate('order.create', bigSale(i, 200), w.staff.barista);
    expect(await t.settle()).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((p) => p.by === 'proxy' && p.size > 1)).toBe(true);
    expect(sent.every((p) => p.bytes <= limit)).toBe(true);
    // the next round starts from what went through: nothing is refused again
    const refusedBefore = refused.length;
    for (let i = 13; i <= 20; i++) await t.mutate('order.create', bigSale(i, 200), w.staff.barista);
    expect(await t.settle()).toBe(true);
    expect(refused.length).toBe(refusedBefore);
    expect(sent.reduce((a, p) => a + p.size, 0)).toBe(20);
    await loggedOnce(20);
  });

  it('keeps a change no proxy lets through, and says why, while the rest waits behind it', async () => {
    const { t, w, sent, bigSale } = await tablet('T', 20, 20 * 1024);
    for (let i = 1; i <= 3; i++) await t.mutate('order.create', bigSale(i, 200), w.staff.barista);
    expect(await t.settle(3)).toBe(false);
    expect(sent).toEqual([]);
    expect(await t.db.outbox.count()).toBe(3);
    expect(t.engine.status.lastError).toMatch(/too large/);
  });
});
