// Connected mode's pool keeps two connections open however long it sits idle
// (src/server/db/postgres.ts). A new connection is a new PostgreSQL backend that compiles
// the sync functions and plans their statements again: without this, a push after ten
// quiet seconds opened one and took 40-60 ms instead of 15-20. PostgreSQL only: embedded
// mode has one connection for the life of the process.
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/server/db/postgres.ts';
import { createPostgresDatabase, testDatabaseUrl } from '../fixtures/engines.ts';

describe.runIf(Boolean(testDatabaseUrl()))('the connected pool', () => {
  it('keeps two of its connections through an idle spell, and closes the others', async () => {
    const { url, drop } = await createPostgresDatabase();
    const db = await openPostgres({ url, idleMs: 50 });
    try {
      const pid = () => db.transaction(async (tx) => (await tx.query<{ pid: number }>('select pg_backend_pid() as pid, pg_sleep(0.05)')).rows[0].pid);
      // four transactions at once: four connections
      const busy = await Promise.all([pid(), pid(), pid(), pid()]);
      expect(new Set(busy).size).toBe(4);
      // an idle spell many times the idle timeout
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`);
      expect(rows).toHaveLength(2);
      for (const r of rows) expect(busy).toContain(r.pid);
      // the next transactions run on those two: warm backends, not new ones
      const after = await Promise.all([pid(), pid()]);
      expect(new Set(after)).toEqual(new Set(rows.map((r) => r.pid)));
    } finally {
      await db.close();
      await drop();
    }
  });
});
