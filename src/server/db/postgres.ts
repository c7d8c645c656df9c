// Connected mode: node-postgres against DATABASE_URL (Supabase or any PostgreSQL ≥ 15).
// Transactions take a pooled client; LISTEN needs a session connection, so it uses
// DIRECT_DATABASE_URL when DATABASE_URL is a transaction pooler (DESIGN §2).
import { createHash } from 'node:crypto';
import pg from 'pg';
import { abortedCommit, deferringTx, inlineParams, oneQuery, SEPARATOR } from './statements.ts';
import type { Db, Statement, Tx } from './types.ts';

pg.types.setTypeParser(20, (v) => Number(v)); // int8: versions and counters fit in 2^53
pg.types.setTypeParser(1700, (v) => Number(v)); // numeric

export interface PostgresOptions {
  url: string;
  listenUrl?: string;
  max?: number;
  /** Named prepared statements (plans cached per connection). Off for poolers that cannot keep them. */
  prepare?: boolean;
  /** How long a connection past the two kept open may sit idle before it is closed (pg-pool's 10 s). */
  idleMs?: number;
}

// Parameterized statements are sent as named prepared statements, so each connection
// parses and plans a statement once instead of on every call: the push path runs the same
// few dozen statements thousands of times. The name is a hash of the text.
const names = new Map<string, string>();
function statementName(sql: string): string {
  let n = names.get(sql);
  if (!n) {
    n = 't' + createHash('sha1').update(sql).digest('hex').slice(0, 20);
    names.set(sql, n);
  }
  return n;
}

// Connections the pool keeps open however long it is idle (pg-pool closes the others after
// 10 s idle). A new connection is a new PostgreSQL backend that compiles the sync functions
// and plans their statements again: in a quiet café, where a sale comes every minute or so,
// every push used to open one, and took 40-60 ms instead of 15-20. Two: the pushes a
// location's gate lets into the database at once (src/server/sync/gate.ts).
const KEEP_OPEN = 2;

export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10, min: KEEP_OPEN, idleTimeoutMillis: opts.idleMs ?? 10_000 });
  pool.on('error', () => {}); // an idle client's lost connection is not fatal; the next query reconnects
  const prepare = opts.prepare ?? process.env.DATABASE_PREPARE !== '0';
  const wrap = (c: pg.Pool | pg.PoolClient): Omit<Tx, 'atCommit'> => ({
    async query(sql, params) {
      const r = prepare && params?.length
        ? await c.query({ name: statementName(sql), text: sql, values: params as unknown[] })
        : await c.query(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql) {
      await c.query(sql);
    },
    async queryAll<T>(statements: Statement[]) {
      if (!statements.length) return [];
      const r = (await c.query(oneQuery(statements))) as unknown as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(r) ? r : [r]).map((x) => x.rows as T[]);
    },
  });
  const base = wrap(pool);

  let listener: pg.Client | null = null;
  const handlers = new Map<string, Set<(p: string) => void>>();
  async function listenerClient(): Promise<pg.Client> {
    if (listener) return listener;
    const c = new pg.Client({ connectionString: opts.listenUrl ?? opts.url });
    c.on('notification', (n) => handlers.get(n.channel)?.forEach((h) => h(n.payload ?? '')));
    c.on('error', () => {
      listener = null;
      // Re-listen after a lost connection; pokes are a hint, devices also pull every 30 s.
      setTimeout(() => void resubscribe(), 1000).unref();
    });
    await c.connect();
    listener = c;
    return c;
  }
  async function resubscribe() {
    try {
      const c = await listenerClient();
      for (const ch of handlers.keys()) await c.query(`listen ${pg.escapeIdentifier(ch)}`);
    } catch {
      setTimeout(() => void resubscribe(), 2000).unref();
    }
  }

  return {
    mode: 'connected',
    query: base.query,
    exec: base.exec,
    async transaction(fn, opts = {}) {
      const client = await pool.connect();
      try {
        // the first statement with BEGIN and the atCommit ones with COMMIT (statements.ts)
        const begin = opts.isolation ? `begin isolation level ${opts.isolation}` : 'begin';
        await client.query(opts.first ? [begin, inlineParams(opts.first)].join(SEPARATOR) : begin);
        const { tx, atCommit } = deferringTx(wrap(client));
        const out = await fn(tx);
        const done = (await client.query([...atCommit, 'commit'].join(SEPARATOR))) as unknown as pg.QueryResult | pg.QueryResult[];
        const tag = (Array.isArray(done) ? done[done.length - 1] : done).command;
        if (tag !== 'COMMIT') throw abortedCommit(tag);
        return out;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        const c = await listenerClient();
        await c.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set!.delete(onPayload);
      };
    },
    async close() {
      const l = listener;
      listener = null;
      if (l) {
        l.removeAllListeners('error');
        l.on('error', () => {});
        await l.end().catch(() => {});
      }
      await pool.end();
    },
  };
}
