// Embedded mode: PGlite (Postgres in WASM) in this process, files under DATA_DIR.
// PGlite has one connection, so its transaction() queues callers; that is the
// embedded mode's concurrency model and it is enough for one shop's tablets.
import { PGlite, types } from '@electric-sql/pglite';
import { abortedCommit, deferringTx, inlineParams, oneQuery, SEPARATOR } from './statements.ts';
import type { Db, Statement, Tx } from './types.ts';

const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = dataDir ? await PGlite.create(dataDir, { parsers }) : await PGlite.create({ parsers });
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
