// The local writer issues its writes without waiting for them (a tap pays only for reads):
// what that must never change is what a later read sees, which pre-image the shadow
// keeps, and that a failed write still rolls the whole mutation back (DESIGN §6).
import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { LocalDb } from '../../src/client/db/local-db.ts';
import { LocalWriter } from '../../src/client/sync/writer.ts';
import { mutateMany, SIGNED_IN } from '../../src/client/sync/outbox.ts';

const fresh = () => new LocalDb(`writer-${crypto.randomUUID()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
const tx = (db: LocalDb, fn: (w: LocalWriter) => Promise<void>) =>
  db.transaction('rw', db.writableTables, async () => {
    const w = new LocalWriter(db);
    await fn(w);
    await w.flush();
  });

describe('the local writer', () => {
  it('lets a later read see an earlier write it did not wait for', async () => {
    const db = fresh();
    await tx(db, async (w) => {
      await w.create('payments', { id: 'p1', order_id: 'o1', amount_cents: 300 });
      await w.put('payments', { id: 'p2', order_id: 'o1', amount_cents: 200 });
      expect((await w.where('payments', 'order_id', 'o1')).map((p) => p.amount_cents).sort()).toEqual([200, 300]);
    });
  });

  it('keeps the row as it was before the first change as its shadow, once', async () => {
    const db = fresh();
    await db.rows('orders').put({ id: 'o1', status: 'received', version: 3 });
    await tx(db, async (w) => {
      await w.update('orders', 'o1', { status: 'ready' });
      await w.update('orders', 'o1', { status: 'completed' });
      await w.put('orders', { id: 'o2', status: 'received' });
    });
    expect((await db.shadow.get('orders:o1'))?.row).toEqual({ id: 'o1', status: 'received', version: 3 });
    expect((await db.shadow.get('orders:o2'))?.row).toBeNull();
    expect((await db.rows('orders').get('o1'))?.status).toBe('completed');
    // a second writer (the next mutation) leaves the first pre-image alone
    await tx(db, (w) => w.update('orders', 'o1', { status: 'voided' }));
    expect((await db.shadow.get('orders:o1'))?.row).toEqual({ id: 'o1', status: 'received', version: 3 });
  });

  it('adds a created row’s shadow without replacing one that exists', async () => {
    const db = fresh();
    await db.shadow.put({ key: 'payments:p1', table: 'payments', rowId: 'p1', row: { id: 'p1', amount_cents: 1 } });
    await tx(db, async (w) => {
      await w.create('payments', { id: 'p1', amount_cents: 2 });
      await w.create('payments', { id: 'p3', amount_cents: 3 });
    });
    expect((await db.shadow.get('payments:p1'))?.row).toEqual({ id: 'p1', amount_cents: 1 });
    expect((await db.shadow.get('payments:p3'))?.row).toBeNull();
    expect((await db.rows('payments').get('p1'))?.amount_cents).toBe(2);
  });

  it('counts every modify of one row, and lets later reads and writes see them', async () => {
    const db = fresh();
    await db.rows('stock_levels').put({ id: 'milk', quantity: 10, version: 4, deleted: false });
    const add = (n: number, id = 'milk') => (r: Record<string, unknown> | undefined) => ({ ...r, id, quantity: Number(r?.quantity ?? 0) + n });
    await tx(db, async (w) => {
      // three sales, none waiting for the level: each builds on the one before
      w.modify('stock_levels', 'milk', add(-1));
      w.modify('stock_levels', 'milk', add(-2));
      w.modify('stock_levels', 'oat', add(5, 'oat')); // no row yet
      w.modify('stock_levels', 'milk', add(-3));
      expect((await w.get('stock_levels', 'milk'))?.quantity).toBe(4);
      expect((await w.all('stock_levels')).map((r) => [r.id, r.quantity]).sort()).toEqual([['milk', 4], ['oat', 5]]);
      // a direct write of the row goes after the modifies, not before them
      await w.update('stock_levels', 'milk', { quantity: 100 });
      w.modify('stock_levels', 'milk', add(1));
    });
    expect((await db.rows('stock_levels').get('milk'))?.quantity).toBe(101);
    expect((await db.rows('stock_levels').get('oat'))?.quantity).toBe(5);
    // the pre-images are the rows as they were before the transaction, once each
    expect((await db.shadow.get('stock_levels:milk'))?.row).toEqual({ id: 'milk', quantity: 10, version: 4, deleted: false });
    expect((await db.shadow.get('stock_levels:oat'))?.row).toBeNull();
  });

  it('leaves a row alone when the modify returns nothing, and rolls back with the rest', async () => {
    const db = fresh();
    await db.rows('stock_levels').put({ id: 'milk', quantity: 10, version: 0, deleted: false });
    await tx(db, async (w) => w.modify('stock_levels', 'milk', () => undefined));
    expect((await db.rows('stock_levels').get('milk'))?.quantity).toBe(10);
    await expect(
      tx(db, async (w) => {
        w.modify('stock_levels', 'milk', (r) => ({ ...r, id: 'milk', quantity: 0 }));
        w.defer(Promise.reject(new Error('the outbox write failed')));
      }),
    ).rejects.toThrow(/outbox write failed/);
    expect((await db.rows('stock_levels').get('milk'))?.quantity).toBe(10);
  });

  it('rolls the whole mutation back when a write it did not wait for fails', async () => {
    const db = fresh();
    await expect(
      tx(db, async (w) => {
        await w.put('orders', { id: 'o1', status: 'received' });
        w.defer(db.outbox.add({ id: 1, name: 'x', args: {}, staffId: 's', clientTime: '' }));
        w.defer(db.outbox.add({ id: 1, name: 'x', args: {}, staffId: 's', clientTime: '' })); // the same key again
      }),
    ).rejects.toThrow();
    expect(await db.rows('orders').get('o1')).toBeUndefined();
    expect(await db.outbox.count()).toBe(0);
    expect(await db.shadow.count()).toBe(0);
  });

  it('queues nothing when nobody is signed in, and says so', async () => {
    const db = fresh();
    await db.meta.put({ key: 'device', value: { deviceId: 'd', locationId: 'l', organizationId: 'g', code: 'A' } });
    await expect(mutateMany(db, [{ name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: true } }], SIGNED_IN)).rejects.toThrow(/Pick who is working/);
    expect(await db.outbox.count()).toBe(0);
    await db.meta.put({ key: 'currentStaff', value: 'staff-1' });
    await mutateMany(db, [{ name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: true } }], SIGNED_IN);
    expect((await db.outbox.toArray()).map((e) => e.staffId)).toEqual(['staff-1']);
  });

  it('queues with the meta the last mutation saw, and again from the meta when another tab, a staff switch or a new client moved it', async () => {
    const db = fresh();
    await db.meta.bulkPut([{ key: 'device', value: { deviceId: 'd', locationId: 'l', organizationId: 'g', code: 'A' } }, { key: 'currentStaff', value: 'ana' }]);
    const sold = () => mutateMany(db, [{ name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: true } }], SIGNED_IN);
    expect(await sold()).toEqual([1]);
    expect(await sold()).toEqual([2]); // from what the first one saw
    // another tab of this tablet queues number 3 behind this tab's back
    await db.transaction('rw', db.outbox, db.meta, async () => {
      await db.outbox.add({ id: 3, name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: false }, staffId: 'ana', clientTime: '' });
      await db.meta.put({ key: 'nextMutationId', value: 4 });
    });
    expect(await sold()).toEqual([4]);
    await db.meta.put({ key: 'currentStaff', value: 'ben' }); // switch staff
    expect(await sold()).toEqual([5]);
    const clientId = (await db.meta.get('clientId'))?.value;
    await db.meta.bulkPut([{ key: 'clientId', value: 'new-client' }, { key: 'nextMutationId', value: 1 }]); // as restartClient does, with an empty outbox
    await db.outbox.clear();
    expect(await sold()).toEqual([1]);
    const all = await db.outbox.toArray();
    expect(all.map((e) => [e.id, e.staffId])).toEqual([[1, 'ben']]);
    // the derived ids follow the client id the meta has, not the one remembered
    expect(clientId).not.toBe('new-client');
    expect((await db.shadow.toArray()).some((x) => x.rowId.startsWith('new-client:1'))).toBe(true);
    await db.meta.put({ key: 'currentStaff', value: null }); // signed out
    await expect(sold()).rejects.toThrow(/Pick who is working/);
    expect(await db.outbox.count()).toBe(1);
  });

  it('writes hundreds of rows one after another in one transaction (a sale of 200 lines)', async () => {
    // Dexie keeps a transaction's zone across a limited number of native awaits with no
    // IndexedDB request between them; a writer call that needs no wait must not spend them,
    // or the transaction commits half-way and the tap fails ("committed too early").
    const db = fresh();
    await db.rows('orders').bulkPut(Array.from({ length: 300 }, (_, i) => ({ id: `o${i}`, status: 'received', version: 1 })));
    await tx(db, async (w) => {
      for (let i = 0; i < 400; i++) await w.create('order_items', { id: `i${i}`, order_id: 'o1', quantity: 1 });
      for (let i = 0; i < 300; i++) await w.put('recipe_lines', { id: `r${i}`, product_id: 'p1', quantity: i });
      for (let i = 0; i < 300; i++) await w.update('orders', `o${i}`, { status: 'ready' });
    });
    expect(await db.rows('order_items').count()).toBe(400);
    expect(await db.rows('recipe_lines').count()).toBe(300);
    expect((await db.rows('orders').toArray()).every((o) => o.status === 'ready')).toBe(true);
    expect(await db.shadow.count()).toBe(1000);
  });
});
