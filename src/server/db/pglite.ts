// Embedded mode: PGlite (Postgres in WASM) in this process, files under DATA_DIR.
// PGlite has one connection, so its transaction() queues callers; that is the
// embedded mode's concurrency model and it is enough for one shop's tablets.
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Tx } from './types.ts';

const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = dataDir ? await PGlite.create(dataDir, { parsers }) : await PGlite.create({ parsers });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Tx => ({
    async query(sql, params) {
      const r = await q.query(sql, params as unknown[]);
      return { rows: r.rows as never[], rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql) {
      await q.exec(sql);
    },
  });
  const base = wrap(pg);
  return {
    mode: 'embedded',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
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
