// Embedded mode's autovacuum (src/server/db/maintenance.ts): PGlite has no background
// workers, so the server analyses and vacuums its tables by autovacuum's default rules, or
// the planner's statistics, and the plans cached with them, stay those of a new café
// (tests/sync/history-cost.test.ts shows what that costs a sale). Embedded only: a
// PostgreSQL server has its own autovacuum, and the server leaves it to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb, setDb, type Db } from '../../src/server/db/index.ts';
import { keepStatistics, maintain } from '../../src/server/db/maintenance.ts';
import { migratedDb, pglite } from '../fixtures/engines.ts';

describe('embedded maintenance', () => {
  let db: Db;
  let drop: () => Promise<void>;
  const stats = async () =>
    (await db.query<{ analyzes: number; vacuums: number; dead: number }>(
      `select analyze_count + autoanalyze_count as analyzes, vacuum_count + autovacuum_count as vacuums, n_dead_tup as dead
       from pg_stat_user_tables where relid = 'public.probe'::regclass`,
    )).rows[0];

  beforeAll(async () => {
    ({ db, drop } = await migratedDb(pglite));
  });
  afterAll(async () => {
    await drop();
  });

  it('analyses every table never analysed, then nothing until rows change', async () => {
    const first = await maintain(db);
    expect(first.analyzed).toContain('public.orders');
    expect(first.analyzed).toContain('public.stock_movements');
    expect(first.analyzed).toContain('app.location_versions');
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                                    where c.relkind = 'r' and n.nspname in ('public', 'app', 'auth') and c.reltuples < 0`);
    expect(rows[0].n).toBe(0);
    expect(await maintain(db)).toEqual({ analyzed: [], vacuumed: [] });
  });

  it('analyses a table once more rows changed than 50 + 10% of it', async () => {
    await db.exec(`create table public.probe (id integer primary key, v integer not null)`);
    await db.exec(`insert into public.probe select g, 0 from generate_series(1, 1000) g`);
    expect((await maintain(db)).analyzed).toEqual(['public.probe']); // new: never analysed
    expect((await stats()).analyzes).toBe(1);
    // 140 changed rows of 1,000: under 50 + 100
    await db.exec(`insert into public.probe select g, 0 from generate_series(1001, 1140) g`);
    expect((await maintain(db)).analyzed).toEqual([]);
    // 20 more: 160, over it
    await db.exec(`insert into public.probe select g, 0 from generate_series(1141, 1160) g`);
    expect(await maintain(db)).toEqual({ analyzed: ['public.probe'], vacuumed: [] });
    expect((await stats()).analyzes).toBe(2);
  });

  it('vacuums a table once more rows are dead than 50 + 20% of it', async () => {
    // 1,160 rows: 200 dead rows are under 50 + 232 (and 200 changed rows analyse it)
    await db.exec(`update public.probe set v = v + 1 where id <= 200`);
    expect(await maintain(db)).toEqual({ analyzed: ['public.probe'], vacuumed: [] });
    expect((await stats()).dead).toBe(200);
    // 100 more: 300 dead, over it
    await db.exec(`update public.probe set v = v + 1 where id > 1000 and id <= 1100`);
    expect(await maintain(db)).toEqual({ analyzed: ['public.probe'], vacuumed: ['public.probe'] });
    const after = await stats();
    expect(after.vacuums).toBe(1);
    expect(after.dead).toBe(0);
  });
});

describe('the embedded server’s database', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-maint-'));
  let db: Db | null = null;

  afterAll(async () => {
    await db?.close();
    setDb(null);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is analysed when the server opens it', async () => {
    delete process.env.DATABASE_URL;
    process.env.DATA_DIR = dir;
    setDb(null);
    db = await getDb();
    expect(db.mode).toBe('embedded');
    const { rows } = await db.query<{ reltuples: number }>(`select reltuples from pg_class where oid = 'public.orders'::regclass`);
    expect(rows[0].reltuples).toBeGreaterThanOrEqual(0); // -1: never analysed
  });

  it('runs a pass a minute, and stops when asked', async () => {
    const probe = await migratedDb(pglite);
    try {
      const stop = await keepStatistics(probe.db, 20);
      await probe.db.exec(`create table public.probe (id integer primary key); insert into public.probe select generate_series(1, 100)`);
      // the next passes find the new table and analyse it
      for (let i = 0; i < 100; i++) {
        const { rows } = await probe.db.query<{ reltuples: number }>(`select reltuples from pg_class where oid = 'public.probe'::regclass`);
        if (rows[0].reltuples === 100) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await stop();
      const { rows } = await probe.db.query<{ reltuples: number }>(`select reltuples from pg_class where oid = 'public.probe'::regclass`);
      expect(rows[0].reltuples).toBe(100);
      await probe.db.exec(`insert into public.probe select generate_series(101, 300)`);
      await new Promise((r) => setTimeout(r, 100));
      const again = await probe.db.query<{ reltuples: number }>(`select reltuples from pg_class where oid = 'public.probe'::regclass`);
      expect(again.rows[0].reltuples).toBe(100); // stopped: no pass since
    } finally {
      await probe.drop();
    }
  });
});
