// Embedded mode's autovacuum. PGlite runs PostgreSQL as one connection with no background
// workers, so nothing ever analyses or vacuums its tables: the planner's statistics stay as
// they were when the café was new, and so do the plans each connection caches for the sync
// functions' statements (an ANALYZE is what makes PostgreSQL plan them again). A plan made
// while the location had a handful of orders can read every one of them on each sale later:
// on a café with 30,000 sales, a single-sale push read 820 buffers and spent 12 ms in one
// such check (tests/sync/history-cost.test.ts). PostgreSQL's own autovacuum does this work in
// connected mode; this does it in embedded mode, by autovacuum's default rules:
//   analyze a table once more rows changed than 50 + 10% of it (or it was never analysed),
//   vacuum (and analyze) it once more rows are dead than 50 + 20% of it.
// The server checks at startup and then once a minute (autovacuum's naptime). PGlite's
// single connection queues the work with the requests, so it runs table by table.
import type { Db } from './types.ts';

export const ANALYZE_THRESHOLD = 50;
export const ANALYZE_SCALE = 0.1;
export const VACUUM_THRESHOLD = 50;
export const VACUUM_SCALE = 0.2;
export const MAINTENANCE_INTERVAL_MS = 60_000;

export interface MaintenanceRun {
  analyzed: string[];
  vacuumed: string[];
}

/** One pass of autovacuum's rules over the database's own tables; returns what it did. */
export async function maintain(db: Db): Promise<MaintenanceRun> {
  // The counters below are kept per backend and published lazily (at most once a second);
  // publish this backend's now. In embedded mode this backend is the only one.
  await db.query('select pg_stat_force_next_flush()');
  const { rows } = await db.query<{ name: string; analyze: boolean; vacuum: boolean }>(
    `select format('%I.%I', s.schemaname, s.relname) as name,
            (c.reltuples < 0 or s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0)) as analyze,
            s.n_dead_tup > $3 + $4 * greatest(c.reltuples, 0) as vacuum
     from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where c.relkind = 'r' and s.schemaname not in ('pg_catalog', 'information_schema')
     order by s.schemaname, s.relname`,
    [ANALYZE_THRESHOLD, ANALYZE_SCALE, VACUUM_THRESHOLD, VACUUM_SCALE],
  );
  const run: MaintenanceRun = { analyzed: [], vacuumed: [] };
  for (const r of rows) {
    if (r.vacuum) {
      await db.exec(`vacuum (analyze) ${r.name}`);
      run.vacuumed.push(r.name);
      run.analyzed.push(r.name);
    } else if (r.analyze) {
      await db.exec(`analyze ${r.name}`);
      run.analyzed.push(r.name);
    }
  }
  return run;
}

/**
 * Runs maintain() now, then every intervalMs until the returned function is called (it
 * resolves once a pass under way has finished). A pass that fails is reported and the next
 * one tries again; passes never overlap.
 */
export async function keepStatistics(db: Db, intervalMs = MAINTENANCE_INTERVAL_MS): Promise<() => Promise<void>> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const pass = () => {
    if (running || stopped) return running;
    running = maintain(db)
      .catch((err) => {
        if (!stopped) console.error('[tandem] embedded maintenance (analyze/vacuum) failed; it will try again', err);
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  await pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
