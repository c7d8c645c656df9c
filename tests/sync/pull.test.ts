// Pull (DESIGN §6): a device sees only its location and organization; deletes arrive as
// `del`; a transaction that commits late is never skipped by a cookie; large patches page.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { asService, type TransactionOptions, type Tx } from '../../src/server/db/index.ts';
import { pull } from '../../src/server/sync/pull.ts';
import { push } from '../../src/server/sync/push.ts';
import { SCHEMA_VERSION, SYNCED_TABLES, type PatchOp, type SyncedTable } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

const req = (t: Tablet, cookie: string | null = null) => ({ clientId: t.clientId, cookie, schemaVersion: SCHEMA_VERSION });
const puts = (p: PatchOp[]) => p.filter((o): o is Extract<PatchOp, { op: 'put' }> => o.op === 'put');

describe.each(engines())('pull on $name', (engine) => {
  const world = useSyncWorld(engine);

  it('gives a full snapshot of its own location and organization only', async () => {
    const w = world();
    const r = await pull(w.cafe, req(w.cafe), w.db);
    expect(r.patch[0]).toEqual({ op: 'clear' });
    expect(r.more).toBe(false);
    const rows = puts(r.patch);
    expect(rows.length).toBeGreaterThan(100);
    for (const { table, row } of rows) {
      if (SYNCED_TABLES[table as SyncedTable] === 'location' && table !== 'locations') expect(row.location_id, table).toBe(w.seed.cafeLocationId);
      if ('organization_id' in row) expect(row.organization_id, table).toBe(w.seed.organizationId);
    }
    expect(rows.filter((o) => o.table === 'locations').map((o) => o.row.id)).toEqual([w.seed.cafeLocationId]);
    expect(rows.some((o) => o.table === 'products')).toBe(true);
    expect(rows.some((o) => o.table === 'class_sessions')).toBe(false); // the studio's
    expect(rows.some((o) => o.table === 'customers')).toBe(true); // org-wide
    const studio = await pull(w.studio, req(w.studio), w.db);
    expect(puts(studio.patch).some((o) => o.table === 'products')).toBe(false);
    expect(puts(studio.patch).some((o) => o.table === 'class_sessions')).toBe(true);
  });

  it('is incremental from a cookie and sends deletes as del', async () => {
    const w = world();
    const first = await pull(w.cafe, req(w.cafe), w.db);
    const empty = await pull(w.cafe, req(w.cafe, first.cookie), w.db);
    expect(empty.patch).toEqual([]);
    const [p] = await w.q<{ id: string }>(`select id from public.products where location_id = $1 order by name limit 1`, [w.seed.cafeLocationId]);
    await w.q(`update public.products set deleted = true where id = $1`, [p.id]);
    await w.q(`update public.class_types set name = name || '!' where location_id = $1`, [w.seed.studioLocationId]);
    const next = await pull(w.cafe, req(w.cafe, empty.cookie), w.db);
    expect(next.patch).toEqual([{ op: 'del', table: 'products', id: p.id }]);
  });

  it('answers an unknown cookie with clear and a full snapshot', async () => {
    const w = world();
    for (const c of ['garbage', Buffer.from(JSON.stringify({ v: 1, s: SCHEMA_VERSION, l: 1e12, o: 0 })).toString('base64url')]) {
      const r = await pull(w.cafe, req(w.cafe, c), w.db);
      expect(r.patch[0]).toEqual({ op: 'clear' });
    }
  });

  it('pages a large patch; the pages add up to the snapshot', async () => {
    const w = world();
    const whole = await pull(w.cafe, req(w.cafe), w.db);
    const seen: PatchOp[] = [];
    let cookie: string | null = null;
    let pages = 0;
    for (;;) {
      const r = await pull(w.cafe, req(w.cafe, cookie), w.db, 40);
      seen.push(...r.patch);
      cookie = r.cookie;
      pages++;
      if (!r.more) break;
      expect(r.patch.length).toBeLessThanOrEqual(41);
    }
    expect(pages).toBeGreaterThan(3);
    const key = (o: PatchOp) => (o.op === 'put' ? `${o.table}:${o.row.id}` : o.op);
    expect(seen.map(key).sort()).toEqual(whole.patch.map(key).sort());
  });

  it('never skips a transaction that commits after a later pull began', async () => {
    const w = world();
    const base = await pull(w.cafe, req(w.cafe), w.db);
    const [cat] = await w.q<{ id: string }>(`select id from public.categories where location_id = $1 limit 1`, [w.seed.cafeLocationId]);
    const slowId = crypto.randomUUID();
    if (engine.name === 'postgres') {
      // A real second connection holds its write open while a pull runs and takes a cookie.
      const url = await w.q<{ db: string }>(`select current_database() as db`);
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.pathname = '/' + url[0].db;
      const slow = new pg.Client({ connectionString: u.toString() });
      await slow.connect();
      await slow.query('begin');
      await slow.query(`insert into public.products (id, location_id, category_id, name, price_cents) values ($1, $2, $3, 'Late commit', 100)`, [slowId, w.seed.cafeLocationId, cat.id]);
      const during = await pull(w.cafe, req(w.cafe, base.cookie), w.db);
      expect(puts(during.patch).some((o) => o.row.id === slowId)).toBe(false);
      await slow.query('commit');
      await slow.end();
      const after = await pull(w.cafe, req(w.cafe, during.cookie), w.db);
      expect(puts(after.patch).map((o) => o.row.id)).toContain(slowId);
    } else {
      // PGlite has one connection: a pull waits for the open transaction, so it cannot see
      // the world between that transaction's version and its commit.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const writer = asService(async (tx) => {
        await tx.query(`insert into public.products (id, location_id, category_id, name, price_cents) values ($1, $2, $3, 'Late commit', 100)`, [slowId, w.seed.cafeLocationId, cat.id]);
        await gate;
      }, w.db);
      const during = pull(w.cafe, req(w.cafe, base.cookie), w.db);
      release();
      await writer;
      expect(puts((await during).patch).map((o) => o.row.id)).toContain(slowId);
    }
  });
});

// Only a server with a second connection can commit a write while a pull reads (PGlite has
// one connection: a pull runs whole or waits).
describe.each(engines().filter((e) => e.name === 'postgres'))('pull on $name beside writers on other connections', (engine) => {
  const world = useSyncWorld(engine);

  it('is tried again at once when a push of the same client commits while it reads', async () => {
    const w = world();
    const t = w.cafe;
    const [p] = await w.q<{ id: string }>(`select id from public.products where location_id = $1 order by name limit 1`, [w.seed.cafeLocationId]);
    // the client's row, as its first push makes it, last heard from two minutes ago
    await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [{ id: 1, name: 'product.setSoldOut', args: { productId: p.id, soldOut: true }, staffId: w.staff.barista, clientTime: new Date().toISOString() }] }, w.db);
    await w.q(`update public.sync_clients set last_seen_at = now() - interval '2 minutes' where id = $1`, [t.clientId]);
    const [{ db: name }] = await w.q<{ db: string }>(`select current_database() as db`);
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.pathname = '/' + name;
    const other = new pg.Client({ connectionString: u.toString() });
    await other.connect();
    let attempts = 0;
    // after the first attempt has read everything, and before it commits, the client's row
    // changes on another connection, as a push still running from before would change it
    const racing: typeof w.db = Object.assign(Object.create(w.db), {
      transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
        const attempt = ++attempts;
        return w.db.transaction(async (tx) => {
          const out = await fn(tx);
          if (attempt === 1) await other.query(`update public.sync_clients set last_mutation_id = last_mutation_id where id = $1`, [t.clientId]);
          return out;
        }, opts);
      },
    });
    try {
      const res = await pull(t, req(t), racing);
      expect(attempts).toBe(2);
      expect(res.lastMutationId).toBe(1);
      expect(puts(res.patch).some((o) => o.table === 'product_availability' && o.row.product_id === p.id && o.row.sold_out === true)).toBe(true);
      const [seen] = await w.q<{ recent: boolean }>(`select last_seen_at > now() - interval '1 minute' as recent from public.sync_clients where id = $1`, [t.clientId]);
      expect(seen.recent).toBe(true);
    } finally {
      await other.end();
    }
  });
});
