// Embedded mode: PGlite (Postgres in WASM) in this process, files under DATA_DIR.
// PGlite has one connection, so its transaction() queues callers; that is the
// embedded mode's concurrency model and it is enough for one shop's tablets.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { abortedCommit, deferringTx, inlineParams, oneQuery, SEPARATOR } from './statements.ts';
import type { Db, Statement, Tx } from './types.ts';

const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

/**
 * PGlite's files, made durable. PGlite starts Postgres with fsync off (`-F`), and its Node
 * file system (Emscripten's NODEFS) has no fsync at all: a commit it reported was only in
 * the operating system's cache, so a power cut at the café could take back sales the server
 * had acknowledged, which the tablets had then dropped from their queues, and could corrupt
 * the database (its checkpoints flushed nothing either). Here Postgres runs with fsync on
 * and `wal_sync_method = fsync` (Emscripten's fdatasync does nothing; its fsync calls the
 * file system's), and the file system's fsync is Node's: every commit is on the disk before
 * the push is answered, and a checkpoint's pages are before the WAL that covers them goes.
 * A new database's files, which PGlite unpacks from an initdb made in memory, are synced
 * once made (syncTree). Checkpoints come from the embedded maintenance pass
 * (maintenance.ts checkpointIfDue). tests/db/pglite-durable.test.ts checks all three.
 */
class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const out = await super.init(pg, opts);
    const makeDurable = (mod: { NODEFS: unknown }) => {
      const nodefs = mod.NODEFS as { stream_ops: Record<string, unknown>; tryFSOperation<T>(f: () => T): T };
      nodefs.stream_ops.fsync = (stream: { nfd: number }) => {
        nodefs.tryFSOperation(() => fs.fsyncSync(stream.nfd));
        return 0;
      };
    };
    out.emscriptenOpts.preRun = [makeDurable, ...(out.emscriptenOpts.preRun ?? [])] as typeof out.emscriptenOpts.preRun;
    return out;
  }
}

/** PGlite's own start parameters without `-F` (fsync off), and the WAL synced through fsync(). */
export const DURABLE_START_PARAMS: string[] = [
  ...(PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams.filter((p) => p !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
];

/**
 * fsync every file and directory under `dir`, deepest first, then `dir`'s parent (which
 * holds `dir`'s own entry). A new database's files are written by PGlite from an initdb
 * made in memory, and nothing syncs them: a checkpoint syncs only what it changed itself.
 */
function syncTree(dir: string) {
  const sync = (p: string) => {
    const fd = fs.openSync(p, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) sync(p);
    }
    sync(d);
  };
  walk(dir);
  sync(path.dirname(path.resolve(dir)));
}

export async function openPglite(dataDir?: string): Promise<Db> {
  // in memory (tests, `memory://`) there is no disk to be durable on
  const made = dataDir !== undefined && !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  // PGlite makes a new database wherever PG_VERSION is missing, over whatever is there:
  // a database that lost that one file (a partial copy or restore) would be wiped
  if (made && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new Error(
      `${dataDir} holds files but no PG_VERSION, so it is not a whole database; Tandem will not make a new one over it. ` +
        'Restore the directory from its backup, or, if it is a new installation that failed to start, delete it.',
    );
  }
  const pg = dataDir ? await PGlite.create({ fs: new DurableNodeFS(dataDir), parsers, startParams: DURABLE_START_PARAMS }) : await PGlite.create({ parsers });
  if (made) syncTree(dataDir);
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Omit<Tx, 'atCommit'> => ({
    async query(sql, params) {
      const r = await q.query(sql, params as unknown[]);
      return { rows: r.rows as never[], rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql) {
      await q.exec(sql);
    },
    // the same text as in connected mode (statements.ts)
    async queryAll<T>(statements: Statement[]) {
      if (!statements.length) return [];
      return (await q.exec(oneQuery(statements))).map((r) => r.rows as T[]);
    },
  });
  const base = wrap(pg);
  return {
    mode: 'embedded',
    query: base.query,
    exec: base.exec,
    // No network here: `first` and `atCommit` are ordinary statements of the transaction, the
    // same text as in connected mode (statements.ts).
    transaction: async (fn, opts = {}) => {
      // PGlite runs in this thread and its queries resolve without going back to the event
      // loop, so transactions begun one after another (pushes the location's gate hands on)
      // would run back to back while no new request is read: during a reconnect storm a sale
      // rung up at another counter took 1-2 s to reach the server's code. One turn of the
      // event loop first lets what has arrived be read (tests/db/pglite-turns.test.ts).
      await new Promise((r) => setImmediate(r));
      return pg.transaction(async (t) => {
        const q = wrap(t);
        if (opts.isolation) await q.exec(`set transaction isolation level ${opts.isolation}`);
        if (opts.first) await q.exec(inlineParams(opts.first));
        const { tx, atCommit } = deferringTx(q);
        const out = await fn(tx);
        // an aborted transaction fails here, with the same error as in connected mode
        await q.exec([...atCommit, 'select 1'].join(SEPARATOR)).catch((err) => {
          throw (err as { code?: string }).code === '25P02' ? abortedCommit('ROLLBACK') : err;
        });
        return out;
      });
    },
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return async () => {
        await unlisten();
      };
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
