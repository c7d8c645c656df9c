// Embedded mode must not take back a sale it acknowledged. PGlite, as shipped, starts
// Postgres with fsync off and its Node file system has no fsync: a commit was only in the
// operating system's cache, and a power cut could lose it after the tablet had dropped it
// from its queue. The adapter (src/server/db/pglite.ts) turns fsync on and gives the file
// system Node's fsync. These tests watch the real fsync calls, by the file each one syncs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { openPglite } from '../../src/server/db/pglite.ts';
import type { Db } from '../../src/server/db/types.ts';

let dir: string;
let db: Db;
let synced: string[];

/** Records the path of every file fsynced from now on (Linux: through /proc/self/fd). */
function watchFsyncs() {
  synced = [];
  const real = fs.fsyncSync;
  vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
    let p = `fd ${fd}`;
    try {
      p = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      /* not Linux: the assertions below fail rather than the fsync */
    }
    synced.push(p);
    return real(fd);
  });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-durable-'));
  db = await openPglite(path.join(dir, 'pglite'));
  await db.exec('create table sale (id int primary key, cents int not null)');
  watchFsyncs();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('runs Postgres with fsync on, the WAL synced through fsync()', async () => {
  const show = async (s: string) => Object.values((await db.query(`show ${s}`)).rows[0] as object)[0];
  expect(await show('fsync')).toBe('on');
  expect(await show('wal_sync_method')).toBe('fsync');
});

it('syncs the WAL to disk before a commit resolves, once per transaction', async () => {
  let inside: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('insert into sale values (1, 450)');
    await tx.query('insert into sale values (2, 380)');
    inside = [...synced];
  });
  const wal = (xs: string[]) => xs.filter((p) => p.includes(`${path.sep}pg_wal${path.sep}`));
  expect(wal(inside)).toEqual([]); // nothing was synced before COMMIT …
  expect(wal(synced)).toHaveLength(1); // … and the commit's WAL was, before the promise resolved
  expect(wal(synced)[0].startsWith(dir)).toBe(true);

  await db.transaction(async (tx) => void (await tx.query('insert into sale values (3, 500)')));
  expect(wal(synced)).toHaveLength(2);
});

it('syncs the data files at a checkpoint, before the WAL that covers them may go', async () => {
  await db.transaction(async (tx) => void (await tx.query('insert into sale select g, 100 from generate_series(10, 2000) g')));
  synced = [];
  await db.exec('checkpoint');
  expect(synced.some((p) => p.includes(`${path.sep}base${path.sep}`))).toBe(true);
  expect(synced.some((p) => p.endsWith(`${path.sep}global${path.sep}pg_control`))).toBe(true);
});

it('syncs a new database’s files once made (PGlite unpacks them from an initdb made in memory)', async () => {
  const data = path.join(dir, 'new');
  const made = await openPglite(data);
  try {
    const files: string[] = [];
    const walk = (d: string) => {
      files.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.isFile()) files.push(path.join(d, e.name));
      }
    };
    walk(data);
    const done = new Set(synced);
    expect(files.filter((f) => !done.has(f))).toEqual([]);
    expect(done.has(path.join(data, 'PG_VERSION'))).toBe(true);
    expect(done.has(dir)).toBe(true); // the directory that holds the new one's entry
    synced = [];
  } finally {
    await made.close();
  }
  // opened again, it is not made: nothing is synced but what PostgreSQL syncs itself
  const again = await openPglite(data);
  try {
    expect(synced.filter((p) => p.endsWith(`${path.sep}PG_VERSION`))).toEqual([]);
  } finally {
    await again.close();
  }
});

it('will not make a new database over a directory that holds files but no PG_VERSION', async () => {
  const data = path.join(dir, 'pglite'); // the database beforeEach made
  await db.transaction(async (tx) => void (await tx.query('insert into sale values (1, 450)')));
  await db.close();
  fs.renameSync(path.join(data, 'PG_VERSION'), path.join(dir, 'PG_VERSION.saved'));
  await expect(openPglite(data)).rejects.toThrow(/holds files but no PG_VERSION/);
  fs.renameSync(path.join(dir, 'PG_VERSION.saved'), path.join(data, 'PG_VERSION'));
  db = await openPglite(data); // (closed by afterEach)
  expect((await db.query('select cents from sale')).rows).toEqual([{ cents: 450 }]);
});
