// Embedded mode's autovacuum. PGlite runs PostgreSQL as one connection with no background
// workers, so nothing ever analyses or vacuums its tables: the planner's statistics stay as
// they were when the café was new, and so do the plans the connection caches for the sync
// functions' statements (an ANALYZE is what makes PostgreSQL plan them again). A plan made
// while the location had a handful of orders can read every one of them on each sale later:
// a single-sale push went from 16 ms to 27 ms (p50) over 30,000 sales, and kept growing
// (tests/bench/history-anatomy.ts; tests/sync/history-cost.test.ts counts the pages).
// PostgreSQL's own autovacuum does this work in connected mode, and the server leaves it to
// it: maintain() is for the embedded engine (its counters are those of this connection).
//
// Autovacuum's default rules, from the table's activity counters:
//   analyze once more rows changed than 50 + 10% of the table, or if it was never analysed;
//   vacuum (and analyze) once more rows are dead than 50 + 20% of it, or more rows were
//   inserted since the last vacuum than 1,000 + 20% of it.
// PGlite does not keep those counters across a restart (they start again from zero each
// time the server opens the database), so the first pass of a process also analyses and
// vacuums every table that has grown by more than 10% since its last analyse or vacuum
// (pg_class.relpages, which both record). The server runs a pass when it first opens the
// database and then once a minute (autovacuum's naptime); PGlite's single connection
// queues the work with the requests, table by table.
//
// The same pass is the embedded engine's checkpointer. PGlite runs PostgreSQL as a
// standalone backend, which checkpoints only when it is closed: its WAL grew for as long as
// the server ran, and after a power cut the whole of it, since the server started, was
// replayed. checkpointIfDue() applies PostgreSQL's own settings (checkpoint_timeout, 5 min;
// max_wal_size, 1 GB) as its checkpointer would.
import type { Db } from './types.ts';

export const ANALYZE_THRESHOLD = 50;
export const ANALYZE_SCALE = 0.1;
export const VACUUM_THRESHOLD = 50;
export const VACUUM_SCALE = 0.2;
export const VACUUM_INSERT_THRESHOLD = 1000;
export const VACUUM_INSERT_SCALE = 0.2;
/** Growth in pages since the last analyse or vacuum that the first pass of a process acts on. */
export const GROWTH_SCALE = 0.1;
export const MAINTENANCE_INTERVAL_MS = 60_000;

export interface MaintenanceRun {
  analyzed: string[];
  vacuumed: string[];
  /** Tables whose analyse or vacuum failed (dropped under the pass, say); the next pass tries again. */
  failed: string[];
}

/**
 * One pass of autovacuum's rules over the database's own tables; returns what it did.
 * `afterRestart` adds the rule for what the counters forgot: tables grown by more than 10%.
 */
export async function maintain(db: Db, { afterRestart = false } = {}): Promise<MaintenanceRun> {
  // The counters below are kept per backend and published lazily (at most once a second);
  // publish this backend's now. In embedded mode this backend is the only one.
  await db.query('select pg_stat_force_next_flush()');
  const { rows } = await db.query<{ name: string; analyze: boolean; vacuum: boolean }>(
    `select format('%I.%I', s.schemaname, s.relname) as name,
            (c.reltuples < 0 or s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0)) as analyze,
            (s.n_dead_tup > $3 + $4 * greatest(c.reltuples, 0)
             or s.n_ins_since_vacuum > $5 + $6 * greatest(c.reltuples, 0)
             or ($7 and pg_relation_size(c.oid) / current_setting('block_size')::bigint > c.relpages * (1 + $8::float8) + 1)) as vacuum
     from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where c.relkind = 'r'
     order by s.schemaname, s.relname`,
    [ANALYZE_THRESHOLD, ANALYZE_SCALE, VACUUM_THRESHOLD, VACUUM_SCALE, VACUUM_INSERT_THRESHOLD, VACUUM_INSERT_SCALE, afterRestart, GROWTH_SCALE],
  );
  const run: MaintenanceRun = { analyzed: [], vacuumed: [], failed: [] };
  for (const r of rows) {
    if (!r.vacuum && !r.analyze) continue;
    try {
      await db.exec(r.vacuum ? `vacuum (analyze) ${r.name}` : `analyze ${r.name}`);
      if (r.vacuum) run.vacuumed.push(r.name);
      run.analyzed.push(r.name);
    } catch {
      run.failed.push(r.name);
    }
  }
  return run;
}

/** WAL since the last checkpoint's redo point that is only that checkpoint's own record. */
export const CHECKPOINT_RECORD_BYTES = 1024;

/**
 * A checkpoint if PostgreSQL's checkpointer would have made one by now: WAL written since
 * the last one (more than that checkpoint's own record), and either checkpoint_timeout
 * passed since it or half of max_wal_size written (the checkpointer aims to finish before
 * max_wal_size). True when it made one. A checkpoint writes the changed pages to their
 * files and syncs them, so the WAL before it can be recycled and need not be replayed.
 */
export async function checkpointIfDue(db: Db, limits: { afterMs?: number; walBytes?: number } = {}): Promise<boolean> {
  // (limits: the settings' values in their place, for tests)
  const { rows } = await db.query<{ due: boolean }>(
    `select pg_wal_lsn_diff(pg_current_wal_lsn(), c.redo_lsn) > $1
            and (now() - c.checkpoint_time >= coalesce($2::float8 * interval '1 millisecond', current_setting('checkpoint_timeout')::interval)
                 or pg_wal_lsn_diff(pg_current_wal_lsn(), c.redo_lsn) >= coalesce($3::float8, pg_size_bytes(current_setting('max_wal_size')) / 2)) as due
     from pg_control_checkpoint() c`,
    [CHECKPOINT_RECORD_BYTES, limits.afterMs ?? null, limits.walBytes ?? null],
  );
  if (!rows[0]?.due) return false;
  await db.exec('checkpoint');
  return true;
}

/**
 * Runs maintain() (as the first pass after a restart) and checkpointIfDue() now, then both
 * every intervalMs until the returned function is called (it resolves once a pass under
 * way has finished). A pass that fails is reported and the next one tries again; passes
 * never overlap.
 */
export async function keepStatistics(db: Db, intervalMs = MAINTENANCE_INTERVAL_MS): Promise<() => Promise<void>> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  let first = true;
  const pass = () => {
    if (running || stopped) return running;
    running = (async () => {
      try {
        const r = await maintain(db, { afterRestart: first });
        first = false;
        if (r.failed.length && !stopped) console.error(`[tandem] embedded maintenance could not analyse ${r.failed.join(', ')}; it will try again`);
      } catch (err) {
        if (!stopped) console.error('[tandem] embedded maintenance (analyze/vacuum) failed; it will try again', err);
      }
      try {
        await checkpointIfDue(db);
      } catch (err) {
        if (!stopped) console.error('[tandem] embedded checkpoint failed; it will try again', err);
      }
    })().finally(() => {
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
