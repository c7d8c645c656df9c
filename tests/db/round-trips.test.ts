// A round trip to the database is the price of every statement, and with the database on
// another machine (Supabase) it is most of what a push or a pull costs. A transaction's
// first statement (the request's claims) goes with its BEGIN and its atCommit statements
// with its COMMIT (src/server/db/types.ts); the device's check is one statement.
//
// The semantics on both engines; the round trips counted on the wire (tests/fixtures/
// db-link.ts) against PostgreSQL, where they cost something.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateDevice } from '../../src/server/auth/devices.ts';
import { signDeviceToken } from '../../src/server/auth/tokens.ts';
import { claimsStatement, openDb, type Db } from '../../src/server/db/index.ts';
import { migrate } from '../../src/server/db/migrate.ts';
import { inlineParams } from '../../src/server/db/statements.ts';
import { pull } from '../../src/server/sync/pull.ts';
import { push } from '../../src/server/sync/push.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { SCHEMA_VERSION } from '../../src/shared/sync/protocol.ts';
import { openDbLink, type DbLink } from '../fixtures/db-link.ts';
import { createPostgresDatabase, engines, migratedDb, testDatabaseUrl } from '../fixtures/engines.ts';
import { holdGate, makeSyncWorld, type SyncWorld, type Tablet } from '../fixtures/sync-world.ts';

class Rollback extends Error {}

describe.each(engines())('a transaction’s first and atCommit statements on $name', (engine) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await migratedDb(engine));
    await db.exec(`create table public.rt_probe (id int primary key, note text)`);
  });
  afterAll(() => drop());

  it('runs the first statement before the work and the atCommit ones, in order, before the commit', async () => {
    const seen = await db.transaction(
      async (tx) => {
        const { rows } = await tx.query<{ sub: string; role: string }>(`select current_setting('request.jwt.claim.sub') as sub, current_user as role`);
        await tx.query(`insert into public.rt_probe (id, note) values (1, 'work')`);
        tx.atCommit(`update public.rt_probe set note = note || $1 where id = $2`, [' then first', 1]);
        tx.atCommit(`update public.rt_probe set note = note || $1 where id = $2`, [' then second', 1]);
        return rows[0];
      },
      { first: { sql: `select set_config('request.jwt.claim.sub', $1, true)`, params: ['someone'] } },
    );
    expect(seen).toEqual({ sub: 'someone', role: expect.any(String) });
    expect((await db.query<{ note: string }>(`select note from public.rt_probe where id = 1`)).rows[0].note).toBe('work then first then second');
  });

  it('an atCommit statement that fails rolls the whole transaction back', async () => {
    const err = await db
      .transaction(async (tx) => {
        await tx.query(`insert into public.rt_probe (id, note) values (2, 'kept?')`);
        tx.atCommit(`insert into public.rt_probe (id, note) values ($1, $2)`, [2, 'a duplicate key']);
      })
      .catch((e) => e);
    expect(String(err?.message ?? err)).toMatch(/duplicate key|unique/);
    expect((await db.query(`select 1 from public.rt_probe where id = 2`)).rows).toHaveLength(0);
  });

  it('commits after an atCommit statement that ends in a comment', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`insert into public.rt_probe (id, note) values (4, 'commented')`);
      tx.atCommit(`select 1 -- the end of the line, not of the query`);
    });
    // the connection is not left inside the transaction either: a new one sees the row
    expect((await db.transaction((tx) => tx.query(`select note from public.rt_probe where id = 4`))).rows).toEqual([{ note: 'commented' }]);
  });

  it('does not report a commit when an error inside was caught and not rolled back', async () => {
    const err = await db
      .transaction(async (tx) => {
        await tx.query(`insert into public.rt_probe (id) values (5)`);
        await tx.query(`select 1 / 0`).catch(() => {}); // swallowed: the transaction is aborted
        return 'committed?';
      })
      .catch((e) => e);
    expect(String(err?.message)).toMatch(/did not commit/);
    expect((await db.query(`select 1 from public.rt_probe where id = 5`)).rows).toHaveLength(0);
  });

  it('reads several statements’ rows at once, each statement’s apart, quotes and all', async () => {
    await db.query(`insert into public.rt_probe (id, note) values (6, $1), (7, 'plain')`, [`it's a \\ "note"`]);
    const out = await db.transaction((tx) =>
      tx.queryAll<{ id: number; note: string }>([
        { sql: `select id, note from public.rt_probe where note = $1`, params: [`it's a \\ "note"`] },
        { sql: `select id, note from public.rt_probe where id = any(array[$1::int, $2::int]) order by id`, params: [7, 6] },
        { sql: `select id, note from public.rt_probe where false` },
      ]),
    );
    expect(out).toEqual([[{ id: 6, note: `it's a \\ "note"` }], [{ id: 6, note: `it's a \\ "note"` }, { id: 7, note: 'plain' }], []]);
    expect(await db.transaction((tx) => tx.queryAll([{ sql: `select 1 as one` }]))).toEqual([[{ one: 1 }]]);
  });

  it('refuses a query after atCommit, and rolls back', async () => {
    const err = await db
      .transaction(async (tx) => {
        await tx.query(`insert into public.rt_probe (id) values (3)`);
        tx.atCommit(`select 1`);
        await tx.query(`select 2`);
      })
      .catch((e) => e);
    expect(String(err?.message)).toMatch(/cannot query after its atCommit/);
    expect((await db.query(`select 1 from public.rt_probe where id = 3`)).rows).toHaveLength(0);
  });

  it('sets the request’s claims with BEGIN, as RLS needs them, and a repeatable-read snapshot when asked', async () => {
    const out = await db.transaction(
      async (tx) => (await tx.query<{ iso: string; claims: { sub: string } }>(`select current_setting('transaction_isolation') as iso, app.claims() as claims`)).rows[0],
      { isolation: 'repeatable read', first: claimsStatement({ role: 'authenticated', sub: 'a-device', device_id: 'a-device' }) },
    );
    expect(out.iso).toBe('repeatable read');
    expect(out.claims.sub).toBe('a-device');
    // the claims end with the transaction
    await db.transaction(async (tx) => {
      expect((await tx.query<{ s: string | null }>(`select nullif(current_setting('request.jwt.claim.sub', true), '') as s`)).rows[0].s).toBeNull();
    });
  });
});

describe('inlined parameters', () => {
  it('quotes strings with quotes and backslashes, and writes numbers, booleans and null', () => {
    expect(inlineParams({ sql: 'select $1, $2, $3, $4, $10', params: [`O'Brien \\ "x"`, 7, true, null, 0, 0, 0, 0, 0, 'ten'] })).toBe(
      `select  E'O''Brien \\\\ "x"', '7', 'true', null, 'ten'`,
    );
  });
  it('refuses what it cannot quote, and a parameter that is missing', () => {
    expect(() => inlineParams({ sql: 'select $1', params: [{ a: 1 }] })).toThrow(/strings, numbers, booleans or null/);
    expect(() => inlineParams({ sql: 'select $1', params: [Number.NaN] })).toThrow(TypeError);
    expect(() => inlineParams({ sql: 'select $2', params: ['one'] })).toThrow(/No parameter \$2/);
    expect(() => inlineParams({ sql: 'select $1', params: ['a\u0000b'] })).toThrow(/NUL/);
  });
});

describe.runIf(Boolean(testDatabaseUrl()))('round trips of a tablet’s requests (PostgreSQL, counted on the wire)', () => {
  let link: DbLink;
  let db: Db;
  let w: SyncWorld;
  let dropDb: () => Promise<void>;
  beforeAll(async () => {
    const { url, drop } = await createPostgresDatabase();
    dropDb = drop;
    link = await openDbLink(url);
    db = await openDb({ url: link.url });
    await migrate(db);
    w = await makeSyncWorld(db);
  });
  afterAll(async () => {
    await db?.close();
    await link?.close();
    await dropDb?.();
  });

  const trips = async <T,>(fn: () => Promise<T>): Promise<{ out: T; trips: number }> => {
    const before = link.roundTrips();
    const out = await fn();
    return { out, trips: link.roundTrips() - before };
  };

  it('checks a device’s token with one statement', async () => {
    const { accessToken } = await signDeviceToken({ deviceId: w.cafe.deviceId, locationId: w.cafe.locationId }, db);
    await authenticateDevice(accessToken, db); // the signing key is read once per process
    const { out, trips: n } = await trips(() => authenticateDevice(accessToken, db));
    expect(out).toEqual({ deviceId: w.cafe.deviceId, locationId: w.cafe.locationId, organizationId: w.seed.organizationId });
    expect(n).toBe(1);
  });

  it('pushes a sale in four round trips, its log and last id committed with it, quotes and all', async () => {
    const t = await w.tablet(w.seed.cafeLocationId, 'R');
    const [p] = await w.q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and not deleted and active order by name limit 1`, [t.locationId]);
    const note = `O'Brien's oat latte \\ "extra hot"`;
    const sale = (id: number) => ({
      id,
      name: 'order.create',
      args: { orderId: crypto.randomUUID(), number: orderNumber(t.code, id), items: [{ id: crypto.randomUUID(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] }], note },
      staffId: w.staff.barista,
      clientTime: new Date().toISOString(),
    });
    await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [sale(1)] }, db); // this connection's statements prepared
    // BEGIN with the claims (the barista's already); the client's row; the sales; the log with COMMIT
    const { out, trips: n } = await trips(() => push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [sale(2)] }, db));
    expect(out.results).toEqual([{ id: 2, status: 'applied' }]);
    expect(n).toBe(4);
    // a push whose staff member is not the first mutation's sets the claims again for its run
    const mixed = await trips(() =>
      push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [sale(3), { ...sale(4), staffId: w.staff.manager }] }, db),
    );
    expect(mixed.out.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(mixed.trips).toBe(6); // and the run per staff member
    const staffOf = await w.q<{ number: string; staff_id: string }>(`select number, staff_id from public.orders where number = any($1::text[]) order by number`, [[orderNumber(t.code, 3), orderNumber(t.code, 4)]]);
    expect(staffOf.map((o) => o.staff_id)).toEqual([w.staff.barista, w.staff.manager]);
    const log = await w.q<{ mutation_id: number; args: { note: string } }>(`select mutation_id, args from public.mutation_log where client_id = $1 order by mutation_id`, [t.clientId]);
    expect(log.map((l) => l.mutation_id)).toEqual([1, 2, 3, 4]);
    expect(log[1].args.note).toBe(note);
    expect((await w.q<{ last: number }>(`select last_mutation_id as last from public.sync_clients where id = $1`, [t.clientId]))[0].last).toBe(4);
    expect((await w.q<{ note: string }>(`select note from public.orders where number = $1`, [orderNumber(t.code, 2)]))[0].note).toBe(note);
  });

  it('applies the sales of three tablets waiting together in four round trips', async () => {
    const tablets = [await w.tablet(w.seed.cafeLocationId, 'G1'), await w.tablet(w.seed.cafeLocationId, 'G2'), await w.tablet(w.seed.cafeLocationId, 'G3')];
    const [p] = await w.q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and not deleted and active order by name limit 1`, [w.seed.cafeLocationId]);
    const sales = (t: Tablet) => [1, 2].map((id) => ({
      id,
      name: 'order.create',
      args: { orderId: crypto.randomUUID(), number: orderNumber(t.code, id), items: [{ id: crypto.randomUUID(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] }] },
      staffId: w.staff.barista,
      clientTime: new Date().toISOString(),
    }));
    const release = await holdGate(w, w.seed.cafeLocationId);
    const { out, trips: n } = await trips(async () => {
      const pushes = tablets.map((t) => push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: sales(t) }, db));
      await release();
      return Promise.all(pushes);
    });
    expect(out.map((r) => r.lastMutationId)).toEqual([2, 2, 2]);
    // the two held pushes' commits; then BEGIN, the three clients' rows, the claims with the
    // one call of the sale set, and the three logs and last ids with COMMIT
    expect(n).toBe(2 + 4);
  });

  it('pulls nothing new in five round trips, and its contact and queue report are committed', async () => {
    const t = w.cafe;
    const first = await pull(t, { clientId: t.clientId, cookie: null, schemaVersion: SCHEMA_VERSION }, db);
    await w.q(`update public.sync_clients set last_seen_at = now() - interval '1 hour' where id = $1`, [t.clientId]).catch(() => {});
    await w.run(t, 'product.setSoldOut', { productId: (await w.q<{ id: string }>(`select id from public.products where location_id = $1 limit 1`, [t.locationId]))[0].id, soldOut: false });
    const since = await pull(t, { clientId: t.clientId, cookie: first.cookie, schemaVersion: SCHEMA_VERSION }, db);
    await w.q(`update public.sync_clients set last_seen_at = now() - interval '1 hour' where id = $1`, [t.clientId]);
    // BEGIN with the claims (the snapshot); the versions and last id; the location's and the organization's changes; the contact with COMMIT
    const { out, trips: n } = await trips(() =>
      pull(t, { clientId: t.clientId, cookie: since.cookie, schemaVersion: SCHEMA_VERSION }, db, undefined, { waiting: 3, oldest: '2026-11-26T08:00:00.000Z', app: `it's "1.0"` }),
    );
    expect(out.patch).toEqual([]);
    expect(out.lastMutationId).toBe(t.nextId - 1);
    expect(n).toBe(5);
    const [seen] = await w.q<{ recent: boolean }>(`select last_seen_at > now() - interval '1 minute' as recent from public.sync_clients where id = $1`, [t.clientId]);
    expect(seen.recent).toBe(true);
    const [report] = await w.q<{ waiting: number; app_version: string }>(`select waiting_mutations as waiting, app_version from app.device_queue_reports where device_id = $1`, [t.deviceId]);
    expect(report).toMatchObject({ waiting: 3, app_version: `it's "1.0"` });
  });

  it('pulls another tablet’s sale in six round trips, however many tables it touched', async () => {
    const t = w.cafe;
    const other = await w.tablet(w.seed.cafeLocationId, 'P');
    const before = await pull(t, { clientId: t.clientId, cookie: null, schemaVersion: SCHEMA_VERSION }, db);
    const [p] = await w.q<{ id: string; price_cents: number }>(`select id, price_cents from public.products where location_id = $1 and not deleted and active order by name limit 1`, [t.locationId]);
    const sale = { orderId: crypto.randomUUID(), number: orderNumber(other.code, 1), items: [{ id: crypto.randomUUID(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] }] };
    expect((await w.run(other, 'order.create', sale)).status).toBe('applied');
    // BEGIN with the claims; the versions; the location's changes; its rows, every table at once; the organization's changes; COMMIT
    const { out, trips: n } = await trips(() => pull(t, { clientId: t.clientId, cookie: before.cookie, schemaVersion: SCHEMA_VERSION }, db));
    const tables = new Set(out.patch.map((op) => (op.op === 'put' ? op.table : '')));
    expect(tables.has('orders') && tables.has('order_items')).toBe(true);
    expect(tables.size).toBeGreaterThanOrEqual(3);
    expect(out.patch.find((op) => op.op === 'put' && op.table === 'orders' && op.row.id === sale.orderId)).toBeTruthy();
    expect(n).toBe(6);
  });
});
