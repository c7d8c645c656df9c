// The push algorithm of DESIGN §6 against a real database: duplicates, gaps, poison
// mutations, client ownership, revoked devices, and a crash between apply and commit.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.ts';
import { GROUP_MUTATIONS, LIVE_PUSH, locationGate, push } from '../../src/server/sync/push.ts';
import type { TransactionOptions, Tx } from '../../src/server/db/index.ts';
import { SCHEMA_VERSION, type Mutation } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { holdGate, useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

describe.each(engines())('push on $name', (engine) => {
  const world = useSyncWorld(engine);

  const soldOut = (t: Tablet, id: number, productId: string, soldOut = true, staffId?: string): Mutation => ({
    id,
    name: 'product.setSoldOut',
    args: { productId, soldOut },
    staffId: staffId ?? world().staff.barista,
    clientTime: new Date().toISOString(),
  });

  const product = async () => (await world().q<{ id: string }>(`select id from public.products where location_id = $1 order by name limit 1`, [world().seed.cafeLocationId]))[0].id;

  it('rejects an unknown mutation, logs it, flags it, and moves the queue on', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'U');
    const r = await push(t, {
      clientId: t.clientId,
      schemaVersion: SCHEMA_VERSION,
      mutations: [{ id: 1, name: 'order.teleport', args: {}, staffId: w.staff.barista, clientTime: new Date().toISOString() }],
    }, w.db);
    expect(r.lastMutationId).toBe(1);
    expect(r.results[0]).toMatchObject({ id: 1, status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    const log = await w.q(`select status from public.mutation_log where client_id = $1`, [t.clientId]);
    expect(log).toEqual([{ status: 'rejected' }]);
    const recon = await w.q(`select kind, mutation_id from public.reconciliation_items where client_id = $1`, [t.clientId]);
    expect(recon).toEqual([{ kind: 'rejected_mutation', mutation_id: 1 }]);
  });

  it('skips duplicates and stops at a gap with the expected id', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'D');
    const p = await product();
    const first = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 1, p), soldOut(t, 2, p, false)] }, w.db);
    expect(first.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const again = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 1, p), soldOut(t, 2, p, false), soldOut(t, 3, p)] }, w.db);
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'applied']);
    const err = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 5, p)] }, w.db).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('MUTATION_GAP');
    expect(err.details).toMatchObject({ expected: 4 });
    const n = await w.q<{ n: number }>(`select count(*)::int as n from public.mutation_log where client_id = $1`, [t.clientId]);
    expect(n[0].n).toBe(3);
  });

  it('rejects a poison mutation in the middle and applies the rest', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'P');
    const p = await product();
    const poison: Mutation = { ...soldOut(t, 2, p), args: { productId: 'not-a-uuid', soldOut: 'yes' } };
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 1, p), poison, soldOut(t, 3, p, false)] }, w.db);
    expect(r.results.map((x) => x.status)).toEqual(['applied', 'rejected', 'applied']);
    expect(r.lastMutationId).toBe(3);
  });

  it('rejects a staff member from another location or without the role', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'F');
    const p = await product();
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 1, p, true, w.staff.front_desk)] }, w.db);
    expect(r.results[0]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });

  it('refuses a client id that belongs to another device with 403', async () => {
    const w = world();
    const a = await w.tablet(w.seed.cafeLocationId, 'G');
    const b = await w.tablet(w.seed.cafeLocationId, 'H');
    const p = await product();
    await push(a, { clientId: a.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(a, 1, p)] }, w.db);
    const err = await push(b, { clientId: a.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(b, 2, p)] }, w.db).catch((e) => e);
    expect(err.code).toBe('FORBIDDEN');
    expect((await w.q(`select device_id from public.sync_clients where id = $1`, [a.clientId]))[0]).toEqual({ device_id: a.deviceId });
  });

  it('a crash between apply and commit leaves nothing; the retry applies once', async () => {
    const w = world();
    const t = await w.tablet(w.seed.cafeLocationId, 'C');
    const p = await product();
    const soldOutNow = async () => (await w.q<{ sold_out: boolean }>(`select sold_out from public.product_availability where product_id = $1`, [p]))[0]?.sold_out ?? false;
    const before = await soldOutNow();
    const batch = { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 1, p, !before)] };
    const crashed = await push(t, batch, w.db, { beforeCommit: () => { throw new Error('power cut'); } }).catch((e) => e);
    expect(crashed.message).toBe('power cut');
    // nothing of it stayed: not its effect, not its log, not the raised last id
    expect(await w.q(`select * from public.mutation_log where client_id = $1`, [t.clientId])).toEqual([]);
    expect(await w.q(`select last_mutation_id from public.sync_clients where id = $1`, [t.clientId])).toEqual([]);
    expect(await soldOutNow()).toBe(before);
    const r1 = await push(t, batch, w.db);
    const r2 = await push(t, batch, w.db); // the response was lost: the tablet sends it again
    expect(r1.results[0].status).toBe('applied');
    expect(r2.results[0].status).toBe('duplicate');
    const n = await w.q<{ n: number }>(`select count(*)::int as n from public.mutation_log where client_id = $1 and status = 'applied'`, [t.clientId]);
    expect(n[0].n).toBe(1);
  });

  it('a third push of one location waits outside the database until one of two inside commits', async () => {
    const w = world();
    const p = await product();
    const tablets = [await w.tablet(w.seed.cafeLocationId, 'W1'), await w.tablet(w.seed.cafeLocationId, 'W2'), await w.tablet(w.seed.cafeLocationId, 'W3')];
    let open!: () => void;
    const held = new Promise<void>((r) => (open = r));
    // the same database, counting the transactions begun and not yet ended
    let inDb = 0;
    let most = 0;
    const counted: typeof w.db = Object.assign(Object.create(w.db), {
      async transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
        most = Math.max(most, ++inDb);
        try {
          return await w.db.transaction(fn, opts);
        } finally {
          inDb--;
        }
      },
    });
    const runs = tablets.map((t, i) =>
      push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(t, 1, p, i % 2 === 0)] }, counted, { beforeCommit: () => held }),
    );
    try {
      expect(locationGate.load(w.seed.cafeLocationId)).toEqual({ inside: 2, waiting: 1 });
      await new Promise((r) => setTimeout(r, 50)); // time enough for a third to begin, were it let in
      expect(inDb).toBe(2);
    } finally {
      open(); // also when an expectation failed: a held transaction would stall the next tests
      await Promise.allSettled(runs);
    }
    const results = await Promise.all(runs);
    expect(most).toBe(2);
    expect(results.map((r) => r.results[0].status)).toEqual(['applied', 'applied', 'applied']);
    expect(locationGate.load(w.seed.cafeLocationId)).toEqual({ inside: 0, waiting: 0 });
    const n = await w.q<{ n: number }>(`select count(*)::int as n from public.mutation_log where client_id = any($1::uuid[])`, [tablets.map((t) => t.clientId)]);
    expect(n[0].n).toBe(3);
  });

  it('a counter’s live sale waits ahead of a reconnecting tablet’s backlog at the gate', async () => {
    const w = world();
    const p = await product();
    const [a, b, backlog, live] = [await w.tablet(w.seed.cafeLocationId, 'L1'), await w.tablet(w.seed.cafeLocationId, 'L2'), await w.tablet(w.seed.cafeLocationId, 'L3'), await w.tablet(w.seed.cafeLocationId, 'L4')];
    // which device's push began a transaction, in order (its claims come with BEGIN)
    const began: string[] = [];
    const counted: typeof w.db = Object.assign(Object.create(w.db), {
      transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
        began.push(JSON.parse(String(opts?.first?.params?.[0])).device_id);
        return w.db.transaction(fn, opts);
      },
    });
    // two pushes inside, each held before its commit; which one holds the location's version
    // row first is a race on PostgreSQL (the other waits for it inside), so the one that
    // reaches its hook first is let go
    const reached: string[] = [];
    const opens = new Map<string, () => void>();
    const holdAt = (name: string) => {
      const held = new Promise<void>((r) => opens.set(name, r));
      return () => {
        reached.push(name);
        return held;
      };
    };
    const one = (t: Tablet, n = 1, beforeCommit?: () => Promise<void>) =>
      push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: Array.from({ length: n }, (_, i) => soldOut(t, i + 1, p, i % 2 === 0)) }, counted, { beforeCommit });
    const inside = new Map([[a.deviceId, one(a, 1, holdAt(a.deviceId))], [b.deviceId, one(b, 1, holdAt(b.deviceId))]]);
    // a backlog too long to be applied in one group with the live sale (a shorter one would be, after it)
    const waiting = [one(backlog, GROUP_MUTATIONS)];
    waiting.push(one(live)); // arrives after the backlog
    try {
      expect(locationGate.load(w.seed.cafeLocationId)).toEqual({ inside: 2, waiting: 2 });
      await expect.poll(() => reached.length).toBe(1);
      opens.get(reached[0])!();
      await inside.get(reached[0]);
      await new Promise((r) => setTimeout(r, 10));
      expect(locationGate.load(w.seed.cafeLocationId)).toEqual({ inside: 2, waiting: 1 });
      expect(began).toEqual([a.deviceId, b.deviceId, live.deviceId]);
    } finally {
      for (const open of opens.values()) open();
      await Promise.allSettled([...inside.values(), ...waiting]);
    }
    expect(began).toEqual([a.deviceId, b.deviceId, live.deviceId, backlog.deviceId]);
    expect((await Promise.all(waiting)).map((r) => r.lastMutationId)).toEqual([GROUP_MUTATIONS, 1]);
  });
  /** The same database, counting the transactions begun. */
  const counting = (w: ReturnType<typeof world>) => {
    const counter = { transactions: 0, db: w.db };
    counter.db = Object.assign(Object.create(w.db), {
      transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
        counter.transactions++;
        return w.db.transaction(fn, opts);
      },
    });
    return counter;
  };
  const soldOuts = (t: Tablet, p: string, from: number, n: number) => Array.from({ length: n }, (_, i) => soldOut(t, from + i, p, i % 2 === 0));
  const transactionsOf = async (clientIds: string[]) =>
    (await world().q<{ n: number }>(`select count(distinct xmin::text)::int as n from public.mutation_log where client_id = any($1::uuid[])`, [clientIds]))[0].n;

  it('applies the pushes waiting at a location together, in one transaction, and answers each for itself', async () => {
    const w = world();
    const p = await product();
    const [a, b, c, d] = [await w.tablet(w.seed.cafeLocationId, 'T1'), await w.tablet(w.seed.cafeLocationId, 'T2'), await w.tablet(w.seed.cafeLocationId, 'T3'), await w.tablet(w.seed.cafeLocationId, 'T4')];
    const counted = counting(w);
    const release = await holdGate(w, w.seed.cafeLocationId);
    const pushes = Promise.allSettled([
      push(a, { clientId: a.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(a, p, 1, 2) }, counted.db),
      push(b, { clientId: b.clientId, schemaVersion: SCHEMA_VERSION, mutations: [...soldOuts(b, p, 1, 1), { ...soldOut(b, 2, p), name: 'order.teleport' }] }, counted.db),
      push(c, { clientId: c.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(c, p, 1, 3) }, counted.db),
      push(d, { clientId: d.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(d, p, 2, 1) }, counted.db), // skipped its first
    ]);
    expect(locationGate.load(w.seed.cafeLocationId)).toEqual({ inside: 2, waiting: 4 });
    await release();
    const [ra, rb, rc, rd] = await pushes;
    expect(counted.transactions).toBe(1);
    expect(ra).toMatchObject({ status: 'fulfilled', value: { lastMutationId: 2, results: [{ status: 'applied' }, { status: 'applied' }] } });
    expect(rb).toMatchObject({ status: 'fulfilled', value: { lastMutationId: 2, results: [{ status: 'applied' }, { status: 'rejected', error: { code: 'VALIDATION_FAILED' } }] } });
    expect(rc).toMatchObject({ status: 'fulfilled', value: { lastMutationId: 3 } });
    expect(rd).toMatchObject({ status: 'rejected', reason: { code: 'MUTATION_GAP', details: { expected: 1 } } });
    expect(await transactionsOf([a.clientId, b.clientId, c.clientId])).toBe(1);
    const lasts = await w.q<{ id: string; last_mutation_id: number }>(`select id, last_mutation_id from public.sync_clients where id = any($1::uuid[])`, [[a.clientId, b.clientId, c.clientId, d.clientId]]);
    expect(new Map(lasts.map((r) => [r.id, r.last_mutation_id]))).toEqual(new Map([[a.clientId, 2], [b.clientId, 2], [c.clientId, 3], [d.clientId, 0]]));
    // each push's log and reconciliation items under its own device
    const logged = await w.q<{ client_id: string; device_id: string; n: number }>(`select client_id, device_id, count(*)::int as n from public.mutation_log where client_id = any($1::uuid[]) group by client_id, device_id`, [[a.clientId, b.clientId, c.clientId]]);
    expect(new Map(logged.map((r) => [r.client_id, [r.device_id, r.n]]))).toEqual(new Map([[a.clientId, [a.deviceId, 2]], [b.clientId, [b.deviceId, 2]], [c.clientId, [c.deviceId, 3]]]));
    expect(await w.q(`select device_id, mutation_id from public.reconciliation_items where client_id = $1`, [b.clientId])).toEqual([{ device_id: b.deviceId, mutation_id: 2 }]);
  });

  it('applies each push of a group alone when one of them fails the group (a client id of another device), and keeps that device’s client (not the id’s owner) out of groups after', async () => {
    const w = world();
    const p = await product();
    const [a, c, owner] = [await w.tablet(w.seed.cafeLocationId, 'F1'), await w.tablet(w.seed.cafeLocationId, 'F3'), await w.tablet(w.seed.cafeLocationId, 'F0')];
    // one tablet's client id, used by another device
    await push(owner, { clientId: owner.clientId, schemaVersion: SCHEMA_VERSION, mutations: [] }, w.db);
    const b = { ...(await w.tablet(w.seed.cafeLocationId, 'F2')), clientId: owner.clientId };
    const counted = counting(w);
    const release = await holdGate(w, w.seed.cafeLocationId);
    // settled from the start: a refusal may come before the gate's holders are through
    const pushes = Promise.allSettled([a, b, c].map((t) => push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(t, p, 1, 2) }, counted.db)));
    await release();
    const [ra, rb, rc] = await pushes;
    expect(counted.transactions).toBe(4); // the group, rolled back, then each alone
    expect(rb).toMatchObject({ status: 'rejected', reason: { code: 'FORBIDDEN' } });
    expect([ra, rc]).toMatchObject([{ status: 'fulfilled', value: { lastMutationId: 2 } }, { status: 'fulfilled', value: { lastMutationId: 2 } }]);
    expect(await transactionsOf([a.clientId, c.clientId])).toBe(2);
    expect(await w.q(`select count(*)::int as n from public.mutation_log where device_id = $1`, [b.deviceId])).toEqual([{ n: 0 }]);

    // the same three again (the refused tablet retrying), and the client id's owner: the
    // refused device is kept out of the group (whatever the case of the id), and the others,
    // the owner too, go together
    counted.transactions = 0;
    const release2 = await holdGate(w, w.seed.cafeLocationId);
    const again = Promise.allSettled([
      ...[a, b, c].map((t, i) => push(t, { clientId: i === 1 ? t.clientId.toUpperCase() : t.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(t, p, 3, 2) }, counted.db)),
      push(owner, { clientId: owner.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(owner, p, 1, 2) }, counted.db),
    ]);
    await release2();
    const [ra2, rb2, rc2, ro2] = await again;
    expect(counted.transactions).toBe(2); // a, c and the owner together, b alone
    expect(rb2).toMatchObject({ status: 'rejected', reason: { code: 'FORBIDDEN' } });
    expect([ra2, rc2, ro2]).toMatchObject([{ status: 'fulfilled', value: { lastMutationId: 4 } }, { status: 'fulfilled', value: { lastMutationId: 4 } }, { status: 'fulfilled', value: { lastMutationId: 2 } }]);
    expect(await transactionsOf([a.clientId, c.clientId])).toBe(3);
    expect(await transactionsOf([a.clientId, c.clientId, owner.clientId])).toBe(3);
  });

  it('never puts two pushes of one client in a group: the second finds the first’s mutations applied', async () => {
    const w = world();
    const p = await product();
    const a = await w.tablet(w.seed.cafeLocationId, 'D1');
    const counted = counting(w);
    const release = await holdGate(w, w.seed.cafeLocationId);
    const req = { clientId: a.clientId, schemaVersion: SCHEMA_VERSION, mutations: soldOuts(a, p, 1, 2) };
    // a retry, sent before the first was answered (its client id in capitals: the same client)
    const pushes = [push(a, req, counted.db), push(a, { ...req, clientId: a.clientId.toUpperCase() }, counted.db)];
    await release();
    const answers = await Promise.all(pushes);
    expect(counted.transactions).toBe(2);
    // both go into the database at once when the gate opens: either may take the client's row first
    expect(answers.map((r) => r.results.map((x) => x.status).join()).sort()).toEqual(['applied,applied', 'duplicate,duplicate']);
    expect(await w.q(`select count(*)::int as n from public.mutation_log where client_id = $1`, [a.clientId])).toEqual([{ n: 2 }]);
  });
  it('checks each push of a group against the staff as the pushes before it in the group left them', async () => {
    const w = world();
    const p = await product();
    const [a, b] = [await w.tablet(w.seed.cafeLocationId, 'R1'), await w.tablet(w.seed.cafeLocationId, 'R2')];
    const staffId = crypto.randomUUID();
    const save = (active: boolean) => ({ staffId, name: 'Temp barista', role: 'barista', active, locationIds: [w.seed.cafeLocationId] });
    expect(await w.run(a, 'staff.save', save(true), w.staff.manager)).toMatchObject({ status: 'applied' });
    const counted = counting(w);
    const release = await holdGate(w, w.seed.cafeLocationId);
    const pushes = [
      // a manager lets the temporary barista go, and then, on another tablet, that barista marks an item sold out
      push(a, { clientId: a.clientId, schemaVersion: SCHEMA_VERSION, mutations: [{ id: a.nextId++, name: 'staff.save', args: save(false), staffId: w.staff.manager, clientTime: new Date().toISOString() }] }, counted.db),
      push(b, { clientId: b.clientId, schemaVersion: SCHEMA_VERSION, mutations: [soldOut(b, 1, p, true, staffId)] }, counted.db),
    ];
    await release();
    const [ra, rb] = await Promise.all(pushes);
    expect(counted.transactions).toBe(1);
    expect(ra.results[0].status).toBe('applied');
    expect(rb.results[0]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });
});
