// The push fast path (issue #3): consecutive SQL mutators run in one app.apply_mutations
// call, tried as one block and redone a savepoint per mutation when one is refused. A
// batch must come out exactly as the one-at-a-time loop would have left it.
import { describe, expect, it } from 'vitest';
import { push } from '../../src/server/sync/push.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { SCHEMA_VERSION, type Mutation } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

describe.each(engines())('push runs on $name', (engine) => {
  const world = useSyncWorld(engine);

  async function menu() {
    return world().q<{ id: string; price_cents: number }>(
      `select p.id, p.price_cents from public.products p
       where p.location_id = $1 and not p.deleted and exists (select 1 from public.recipe_lines r where r.product_id = p.id and not r.deleted)
       order by p.name`,
      [world().seed.cafeLocationId],
    );
  }

  function create(t: Tablet, id: number, p: { id: string; price_cents: number }, seq = id, staffId?: string): Mutation {
    return {
      id,
      name: 'order.create',
      args: {
        orderId: crypto.randomUUID(),
        number: orderNumber(t.code, seq),
        items: [{ id: crypto.randomUUID(), productId: p.id, quantity: 2, unitPriceCents: p.price_cents, modifierIds: [] }],
      },
      staffId: staffId ?? world().staff.barista,
      clientTime: new Date().toISOString(),
    };
  }

  const stockOf = async (orderIds: string[]) =>
    (await world().q<{ n: number; total: number }>(
      `select count(*)::int as n, coalesce(sum(delta), 0)::int as total from public.stock_movements where order_id = any($1::uuid[])`,
      [orderIds],
    ))[0];
  const levelTotal = async () =>
    (await world().q<{ total: number }>(`select coalesce(sum(quantity), 0)::int as total from public.stock_levels where location_id = $1`, [world().seed.cafeLocationId]))[0].total;

  it('applies a run with a refused sale in the middle: the others once, the refused one rolled back alone and logged', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'R');
    const [p, q] = await menu();
    const ms = [create(t, 1, p), create(t, 2, q), create(t, 3, p, 2 /* number 2 again */), create(t, 4, q)];
    const before = await levelTotal();
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: ms }, w.db);
    expect(r.lastMutationId).toBe(4);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied', 'rejected', 'applied']);
    expect(r.results[2].error?.code).toBe('CONFLICT');
    const ids = (m: Mutation) => (m.args as { orderId: string }).orderId;
    const orders = await w.q<{ id: string }>(`select id from public.orders where device_id = $1`, [t.deviceId]);
    expect(orders.map((o) => o.id).sort()).toEqual([ids(ms[0]), ids(ms[1]), ids(ms[3])].sort());
    // The refused sale moved no stock; the others moved theirs, and the levels sum exactly those moves.
    expect((await stockOf([ids(ms[2])])).n).toBe(0);
    const moved = await stockOf([ids(ms[0]), ids(ms[1]), ids(ms[3])]);
    expect(moved.n).toBeGreaterThan(0);
    expect((await levelTotal()) - before).toBe(moved.total);
    expect(await w.q(`select mutation_id, status from public.mutation_log where client_id = $1 order by mutation_id`, [t.clientId])).toEqual([
      { mutation_id: 1, status: 'applied' },
      { mutation_id: 2, status: 'applied' },
      { mutation_id: 3, status: 'rejected' },
      { mutation_id: 4, status: 'applied' },
    ]);
    expect(await w.q(`select kind, mutation_id from public.reconciliation_items where client_id = $1 and kind = 'rejected_mutation'`, [t.clientId]))
      .toEqual([{ kind: 'rejected_mutation', mutation_id: 3 }]);
    // A retry of the whole batch is all duplicates and changes nothing.
    const again = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: ms }, w.db);
    expect(again.results.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect((await w.q(`select id from public.orders where device_id = $1`, [t.deviceId])).length).toBe(3);
  });

  it('keeps order across SQL runs, TypeScript mutators and staff changes in one batch', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'M');
    const [p] = await menu();
    const first = create(t, 1, p);
    const orderId = (first.args as { orderId: string }).orderId;
    const ms: Mutation[] = [
      first,
      // a TypeScript mutator between two runs
      { id: 2, name: 'product.setSoldOut', args: { productId: p.id, soldOut: true }, staffId: w.staff.barista, clientTime: new Date().toISOString() },
      { id: 3, name: 'order.setStatus', args: { orderId, status: 'ready' }, staffId: w.staff.barista, clientTime: new Date().toISOString() },
      // another staff member: a run of their own
      { id: 4, name: 'order.setStatus', args: { orderId, status: 'in_progress' }, staffId: w.staff.manager, clientTime: new Date().toISOString() },
      { id: 5, name: 'order.setStatus', args: { orderId: crypto.randomUUID(), status: 'ready' }, staffId: w.staff.manager, clientTime: new Date().toISOString() },
      create(t, 6, p),
    ];
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: ms }, w.db);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'rejected', 'applied']);
    expect(r.results[4].error?.code).toBe('NOT_FOUND');
    // Forward only: the late in_progress after ready changed nothing.
    expect((await w.q<{ status: string }>(`select status from public.orders where id = $1`, [orderId]))[0].status).toBe('ready');
    const log = await w.q<{ mutation_id: number; staff_id: string }>(`select mutation_id, staff_id from public.mutation_log where client_id = $1 order by mutation_id`, [t.clientId]);
    expect(log.map((l) => l.staff_id)).toEqual([w.staff.barista, w.staff.barista, w.staff.barista, w.staff.manager, w.staff.manager, w.staff.barista]);
    // Every row the batch wrote took a version of the location, above the cookie a pull had before.
    const unversioned = await w.q(`select id from public.orders where device_id = $1 and version = 0`, [t.deviceId]);
    expect(unversioned).toEqual([]);
  });
});
