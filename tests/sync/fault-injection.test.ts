// DESIGN §11 fault injection: seven tablets (five at the café, two at the studio), each
// with its own fake IndexedDB and Dexie, run a random mix of every mutation for thousands
// of steps through a transport that drops requests, drops responses, duplicates, delays
// and reorders, while the server restarts now and then. From a fixed seed (FAULT_SEED to
// choose another; it is printed on failure). After quiescence: every queued mutation was
// applied or rejected exactly once, no outbox is left, every tablet holds exactly what a
// fresh pull gives, and the ledgers add up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/server/db/index.ts';
import { migrate } from '../../src/server/db/migrate.ts';
import { pull } from '../../src/server/sync/pull.ts';
import { parseRows } from '../../src/client/db/local-db.ts';
import { SCHEMA_VERSION, SYNCED_TABLE_NAMES, type PatchOp, type SyncedTable } from '../../src/shared/sync/protocol.ts';
import { createPostgresDatabase, engines } from '../fixtures/engines.ts';
import { prng, type ServerHandle } from '../fixtures/in-process-transport.ts';
import { makeSyncWorld, type SyncWorld } from '../fixtures/sync-world.ts';
import { simulatedTablet } from '../fixtures/tablet.ts';
import { cafeMutation, studioMutation } from './random-mutations.ts';

const SEED = Number(process.env.FAULT_SEED ?? 20261125);
const STEPS = Number(process.env.FAULT_STEPS ?? 2500);
const FAULT_RATES = { dropRequest: 0.08, dropResponse: 0.08, duplicate: 0.08, delay: 0.05 };

describe.each(engines())('fault injection on $name (seed $seed)'.replace('$seed', String(SEED)), (engine) => {
  let server: ServerHandle;
  let reopen: () => Promise<Db>;
  let cleanup: () => Promise<void>;
  let world: SyncWorld;

  beforeAll(async () => {
    if (engine.name === 'postgres') {
      const pg = await createPostgresDatabase();
      reopen = () => openDb({ url: pg.url });
      cleanup = pg.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-faults-'));
      reopen = () => openDb({ dataDir: dir });
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    }
    const db = await reopen();
    await migrate(db);
    world = await makeSyncWorld(db);
    server = { db, up: true };
  });
  afterAll(async () => {
    await server?.db.close();
    await cleanup?.();
  });

  // thousands of steps: about 35 s alone, twice that beside the browser suite on two cores
  it('loses nothing, applies nothing twice, and converges', { timeout: 300_000 }, async () => {
    const r = prng(SEED);
    const w = world;
    const specs = [
      { loc: w.seed.cafeLocationId, code: 'Q', kind: 'cafe' },
      { loc: w.seed.cafeLocationId, code: 'R', kind: 'cafe' },
      { loc: w.seed.cafeLocationId, code: 'T', kind: 'cafe' },
      // five at the café: with two pushes of a location inside the database at once, the
      // fleet's reconnects (below) leave three to go in one group
      { loc: w.seed.cafeLocationId, code: 'X', kind: 'cafe' },
      { loc: w.seed.cafeLocationId, code: 'Y', kind: 'cafe' },
      { loc: w.seed.studioLocationId, code: 'V', kind: 'studio' },
      { loc: w.seed.studioLocationId, code: 'W', kind: 'studio' },
    ] as const;
    const faults = { dropRequest: 0, dropResponse: 0, duplicate: 0, delay: 0 }; // shared by every tablet's network
    const tablets = [];
    for (const s of specs) {
      const t = await simulatedTablet(server, await w.tablet(s.loc, s.code), prng(SEED + tablets.length + 1), faults);
      expect(await t.settle()).toBe(true);
      tablets.push({ ...t, kind: s.kind, queued: 0 });
    }
    Object.assign(faults, FAULT_RATES);
    const staff = { barista: w.staff.barista, manager: w.staff.manager, front_desk: w.staff.front_desk };
    let restarts = 0;
    let downFor = 0;

    for (let step = 0; step < STEPS; step++) {
      if (downFor > 0 && --downFor === 0) {
        // the server comes back: a new process with a new connection to the same data
        server.db = await reopen();
        server.up = true;
      }
      const t = tablets[Math.floor(r() * tablets.length)];
      const x = r();
      if (x < 0.55) {
        const m = t.kind === 'cafe' ? await cafeMutation(r, t.db, t.device.code, staff) : await studioMutation(r, t.db, staff);
        await t.mutate(m.name, m.args, m.staffId);
        t.queued++;
      } else if (x < 0.9) {
        // now and then the whole fleet reconnects at once: pushes of different tablets meet
        // at their location's gate and are applied in groups (push.ts)
        if (r() < 0.25) await Promise.all(tablets.map((u) => u.engine.sync().catch(() => {})));
        else await t.engine.sync().catch(() => {});
      } else if (x < 0.97) {
        await t.net.replayHeld();
      } else if (x < 0.975 && server.up) {
        restarts++;
        server.up = false;
        downFor = 5 + Math.floor(r() * 20);
        await server.db.close();
      }
    }
    if (!server.up) {
      server.db = await reopen();
      server.up = true;
    }

    // Quiescence: the network heals, every stale request reaches the server, then everyone syncs until done.
    Object.assign(faults, { dropRequest: 0, dropResponse: 0, duplicate: 0, delay: 0 });
    for (const t of tablets) await t.net.replayHeld(true);
    for (let round = 0; round < 3; round++) for (const t of tablets) expect(await t.settle(200), `tablet ${t.device.code} could not drain its outbox`).toBe(true);
    for (const t of tablets) {
      await t.engine.sync();
      expect(await t.db.outbox.count()).toBe(0);
      expect(await t.db.shadow.count()).toBe(0);
    }

    const info = { seed: SEED, steps: STEPS, restarts, queued: tablets.map((t) => t.queued), faults: tablets.map((t) => t.net.stats) };
    console.log('fault injection:', JSON.stringify(info));
    expect(restarts, 'the run should include server restarts').toBeGreaterThan(0);
    expect(tablets.reduce((s, t) => s + t.net.stats.droppedResponses + t.net.stats.duplicates + t.net.stats.replayed, 0)).toBeGreaterThan(STEPS / 50);
    const q = <T,>(sql: string, p: unknown[] = []) => server.db.query<T>(sql, p).then((x) => x.rows);

    // 1. Exactly once: one log entry per queued mutation, per device.
    for (const t of tablets) {
      const [row] = await q<{ n: number; applied: number }>(
        `select count(*)::int as n, count(*) filter (where status = 'applied')::int as applied from public.mutation_log where device_id = $1`,
        [t.device.deviceId],
      );
      expect(row.n, `seed ${SEED}: tablet ${t.device.code} logged ${row.n} of ${t.queued}`).toBe(t.queued);
      expect(row.applied).toBeGreaterThan(t.queued / 2);
    }
    const [dup] = await q<{ n: number }>(`select count(*)::int as n from (select client_id, mutation_id from public.mutation_log group by 1, 2 having count(*) > 1) d`);
    expect(dup.n).toBe(0);
    // and groups were among them: transactions that logged the mutations of several tablets
    const [grouped] = await q<{ n: number }>(`select count(*)::int as n from (select xmin::text from public.mutation_log group by 1 having count(distinct client_id) > 1) g`);
    expect(grouped.n, `seed ${SEED}: no pushes of different tablets were applied together`).toBeGreaterThan(0);

    // 2. Every tablet holds exactly what a fresh pull gives.
    for (const t of tablets) {
      const fresh: PatchOp[] = [];
      let cookie: string | null = null;
      for (;;) {
        const res = await pull(t.device, { clientId: crypto.randomUUID(), cookie, schemaVersion: SCHEMA_VERSION }, server.db, 5000);
        fresh.push(...res.patch);
        cookie = res.cookie;
        if (!res.more) break;
      }
      const expected: Record<string, unknown[]> = Object.fromEntries(SYNCED_TABLE_NAMES.map((n) => [n, []]));
      for (const op of fresh) if (op.op === 'put') expected[op.table].push(op.row);
      for (const n of SYNCED_TABLE_NAMES) expected[n] = parseRows(n as SyncedTable, expected[n]).sort((a, b) => String(a.id).localeCompare(String(b.id)));
      const mine = await t.snapshot();
      for (const n of SYNCED_TABLE_NAMES) expect(mine[n], `seed ${SEED}: tablet ${t.device.code}, table ${n}`).toEqual(expected[n]);
    }

    // 3. Ledgers add up.
    const badStock = await q(`select l.id from public.stock_levels l left join (select item_id, sum(delta)::int s from public.stock_movements where not deleted group by 1) m on m.item_id = l.id where l.quantity <> coalesce(m.s, 0)`);
    expect(badStock).toEqual([]);
    const doubleCredit = await q(`select booking_id from public.credit_ledger where reason = 'check_in' and not deleted group by 1 having count(*) > 1`);
    expect(doubleCredit).toEqual([]);
    const creditWithoutCheckIn = await q(`select c.id from public.credit_ledger c join public.bookings b on b.id = c.booking_id where c.reason = 'check_in' and not c.deleted and b.status <> 'checked_in'`);
    // an undone check-in's credit came back: its ledger row is a tombstone, never a live charge
    const undoneButCharged = await q(`select b.id from public.bookings b join public.credit_ledger c on c.booking_id = b.id and c.reason = 'check_in' and not c.deleted where b.status = 'booked'`);
    expect(undoneButCharged).toEqual([]);
    expect(creditWithoutCheckIn).toEqual([]);
    const doubleEarn = await q(`select order_id from public.loyalty_ledger where reason = 'earn' and order_id is not null group by 1 having count(*) > 1`);
    expect(doubleEarn).toEqual([]);
    const cashMismatch = await q(`select m.id from public.drawer_movements m where m.kind = 'sale' and m.order_id is not null and not exists (select 1 from public.payments p where p.order_id = m.order_id and p.method = 'cash' and p.amount_cents = m.amount_cents)`);
    expect(cashMismatch).toEqual([]);
    const closedDrawers = await q<{ id: string; expected_cents: number; s: number; variance_cents: number; counted_cents: number }>(
      `select d.id, d.expected_cents, d.variance_cents, d.counted_cents, coalesce((select sum(amount_cents)::int from public.drawer_movements m where m.drawer_session_id = d.id), 0) as s from public.drawer_sessions d where d.status = 'closed'`,
    );
    for (const d of closedDrawers) {
      expect(d.expected_cents).toBe(d.s);
      expect(d.variance_cents).toBe(d.counted_cents - d.expected_cents);
    }
    const overPaid = await q(`select o.id from public.orders o where (select coalesce(sum(amount_cents), 0) from public.payments p where p.order_id = o.id and p.method = 'cash') > o.total_cents`);
    expect(overPaid).toEqual([]);
  });
});
