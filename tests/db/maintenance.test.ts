// Embedded mode's autovacuum (src/server/db/maintenance.ts): PGlite has no background
// workers, so the server analyses and vacuums its tables by autovacuum's default rules, or
// the planner's statistics, and the plans cached with them, stay those of a new café
// (tests/sync/history-cost.test.ts shows what that costs a sale). Embedded only: a
// PostgreSQL server has its own autovacuum, and the server leaves it to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb, openDb, setDb, type Db } from '../../src/server/db/index.ts';
import { checkpointIfDue, keepStatistics, maintain } from '../../src/server/db/maintenance.ts';
import { migrate } from '../../src/server/db/migrate.ts';
import { migratedDb, pglite } from '../fixtures/engines.ts';

/** Analyse and vacuum counts and dead rows of a table, as PostgreSQL's statistics keep them. */
async function stats(db: Db, table: string) {
  return (await db.query<{ analyzes: number; vacuums: number; dead: number }>(
    `select analyze_count + autoanalyze_count as analyzes, vacuum_count + autovacuum_count as vacuums, n_dead_tup as dead
     from pg_stat_user_tables where relid = $1::regclass`,
    [table],
  )).rows[0];
}

const nothing = { analyzed: [], vacuumed: [], failed: [] };

describe('embedded maintenance', () => {
  let db: Db;
  let drop: () => Promise<void>;

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
    expect(first.failed).toEqual([]);
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                                    where c.relkind = 'r' and n.nspname in ('public', 'app', 'auth') and c.reltuples < 0`);
    expect(rows[0].n).toBe(0);
    expect(await maintain(db)).toEqual(nothing);
  });

  it('analyses a table once more rows changed than 50 + 10% of it', async () => {
    await maintain(db); // the other tables settled, whichever tests ran before
    await db.exec(`create table public.probe_a (id integer primary key, v integer not null)`);
    await db.exec(`insert into public.probe_a select g, 0 from generate_series(1, 1000) g`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_a'] }); // new: never analysed
    expect((await stats(db, 'public.probe_a')).analyzes).toBe(1);
    // 140 changed rows of 1,000: under 50 + 100
    await db.exec(`insert into public.probe_a select g, 0 from generate_series(1001, 1140) g`);
    expect(await maintain(db)).toEqual(nothing);
    // 20 more: 160, over it
    await db.exec(`insert into public.probe_a select g, 0 from generate_series(1141, 1160) g`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_a'] });
    expect((await stats(db, 'public.probe_a')).analyzes).toBe(2);
  });

  it('vacuums a table once more rows are dead than 50 + 20% of it', async () => {
    await maintain(db); // the other tables settled, whichever tests ran before
    await db.exec(`create table public.probe_b (id integer primary key, v integer not null)`);
    await db.exec(`insert into public.probe_b select g, 0 from generate_series(1, 1000) g`);
    await maintain(db);
    // 200 dead rows of 1,000 are under 50 + 200 (and 200 changed rows analyse it)
    await db.exec(`update public.probe_b set v = v + 1 where id <= 200`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_b'] });
    expect((await stats(db, 'public.probe_b')).dead).toBe(200);
    // 100 more: 300 dead, over it
    await db.exec(`update public.probe_b set v = v + 1 where id > 800`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_b'], vacuumed: ['public.probe_b'] });
    const after = await stats(db, 'public.probe_b');
    expect(after.vacuums).toBe(1);
    expect(after.dead).toBe(0);
  });

  it('vacuums a table only ever inserted into once more rows came than 1,000 + 20% of it', async () => {
    await maintain(db); // the other tables settled, whichever tests ran before
    await db.exec(`create table public.probe_c (id integer primary key)`);
    await db.exec(`insert into public.probe_c select generate_series(1, 900)`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_c'] });
    // 1,180 inserted since its last vacuum (never): under 1,000 + 20% of 900 (and 280
    // changed rows analyse it, so it counts 1,180 rows from here)
    await db.exec(`insert into public.probe_c select generate_series(901, 1180)`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_c'] });
    // 1,237: over 1,000 + 20% of 1,180
    await db.exec(`insert into public.probe_c select generate_series(1181, 1237)`);
    expect(await maintain(db)).toEqual({ ...nothing, analyzed: ['public.probe_c'], vacuumed: ['public.probe_c'] });
    expect((await stats(db, 'public.probe_c')).vacuums).toBe(1);
  });

  it('checkpoints as PostgreSQL’s checkpointer would: once the WAL since the last one reaches the limit, or its time has come', async () => {
    const redo = async () => (await db.query<{ redo: string }>(`select redo_lsn::text as redo from pg_control_checkpoint()`)).rows[0].redo;
    await db.exec('checkpoint');
    const before = await redo();
    expect(await checkpointIfDue(db, { afterMs: 0 })).toBe(false); // its time has come, but nothing was written since
    await db.exec(`create table public.probe_f (id integer, pad text not null)`);
    await db.exec(`insert into public.probe_f select g, repeat('x', 200) from generate_series(1, 5000) g`); // about 1.3 MB of WAL
    expect(await checkpointIfDue(db)).toBe(false); // PostgreSQL's settings: 5 minutes, or half of 1 GB
    expect(await checkpointIfDue(db, { walBytes: 4 * 1024 * 1024 })).toBe(false);
    expect(await redo()).toBe(before);
    expect(await checkpointIfDue(db, { walBytes: 512 * 1024 })).toBe(true);
    expect(await redo()).not.toBe(before);
    expect(await checkpointIfDue(db, { walBytes: 512 * 1024 })).toBe(false); // only its own record since
    await db.exec(`insert into public.probe_f select g, repeat('x', 200) from generate_series(1, 10) g`);
    expect(await checkpointIfDue(db, { afterMs: 60_000 })).toBe(false);
    expect(await checkpointIfDue(db, { afterMs: 0 })).toBe(true);
  });
});

describe('the embedded server’s database', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR };
  let dir = '';
  let db: Db | null = null;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-maint-'));
  });
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

  it('after a restart, which forgets the counters, vacuums the tables that grew by a tenth since', async () => {
    const data = path.join(dir, 'restart');
    let d = await openDb({ dataDir: data });
    await migrate(d);
    await d.exec(`create table public.probe_d (id integer primary key, pad text not null)`);
    await d.exec(`insert into public.probe_d select g, repeat('x', 200) from generate_series(1, 2000) g`);
    await maintain(d);
    await d.exec(`insert into public.probe_d select g, repeat('x', 200) from generate_series(2001, 2400) g`); // +20%
    await d.close();
    d = await openDb({ dataDir: data });
    try {
      const { rows } = await d.query<{ mods: number }>(`select n_mod_since_analyze as mods from pg_stat_user_tables where relid = 'public.probe_d'::regclass`);
      expect(rows[0].mods).toBe(0); // forgotten: the counters' rules alone would never see these 400 rows
      expect((await maintain(d)).analyzed).not.toContain('public.probe_d');
      const first = await maintain(d, { afterRestart: true });
      expect(first.vacuumed).toContain('public.probe_d');
      expect((await maintain(d, { afterRestart: true })).vacuumed).not.toContain('public.probe_d'); // its size is recorded now
    } finally {
      await d.close();
    }
  });

  it('runs a pass a minute, and stops when asked', async () => {
    const probe = await migratedDb(pglite);
    let stop: (() => Promise<void>) | null = null;
    try {
      stop = await keepStatistics(probe.db, 20);
      await probe.db.exec(`create table public.probe_e (id integer primary key); insert into public.probe_e select generate_series(1, 100)`);
      const reltuples = async () =>
        (await probe.db.query<{ reltuples: number }>(`select reltuples from pg_class where oid = 'public.probe_e'::regclass`)).rows[0].reltuples;
      // the next passes find the new table and analyse it
      for (let i = 0; i < 100 && (await reltuples()) !== 100; i++) await new Promise((r) => setTimeout(r, 20));
      await stop();
      expect(await reltuples()).toBe(100);
      await probe.db.exec(`insert into public.probe_e select generate_series(101, 300)`);
      await new Promise((r) => setTimeout(r, 100));
      expect(await reltuples()).toBe(100); // stopped: no pass since
    } finally {
      await stop?.();
      await probe.drop();
    }
  });
});
