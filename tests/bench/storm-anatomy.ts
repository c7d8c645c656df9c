// What the 20-tablet storm of `npm run bench` spends its time on (issue #3), on PostgreSQL
// (or embedded, STORM_ENGINE=pglite):
//
//   npm run build && npx node tests/bench/storm-anatomy.ts
//
// The storm as in sync-bench.ts (STORM_TABLETS tablets at one café, STORM_PER sales each,
// pushed over HTTP in pushes sized as the client sizes them, or of STORM_BATCH each), then
// the CPU used during it, from /proc:
// the app server's process, this script's, and every PostgreSQL process (its WAL writer
// and checkpointer work for the storm too, so the machine should be otherwise idle; the
// database server must run on this machine for its share to show). The database is
// BENCH_DATABASE_URL's or TEST_DATABASE_URL's server, or postgres://postgres@127.0.0.1:5432.
//
// STORM_WITHOUT=version-lock,stock-levels,rls,version-triggers,foreign-keys takes those
// mechanisms out of the throwaway database first, to measure what each costs. A database
// without them is NOT correct (versions no longer follow commit order, stock levels stop,
// anyone may write anything): these are measurements of a ceiling, never a configuration.
//
// Meanwhile one more tablet, a counter still selling, pushes one sale at a time every 100 ms;
// its latencies are printed apart.
//
// DB_DELAY_MS=1 puts 1 ms each way between the app server and PostgreSQL (a database on
// another machine), through tests/fixtures/db-link.ts.
//
// STORM_WARMUP=1 runs a small storm first, so that the measured one meets warm connections.
//
// STORM_HISTORY=20000 first records that many sales from another tablet and analyses the
// database (as autovacuum would have), for a café with history rather than the demo's.
import fs from 'node:fs';
import { startAppServer } from '../fixtures/app-server.ts';
import { benchPostgres, benchSetup, liveCounter, pct, pushSales, rawTablet } from './sync-bench.ts';

const TABLETS = Number(process.env.STORM_TABLETS ?? 20);
const PER = Number(process.env.STORM_PER ?? 200);
/** A fixed push size; unset, pushes are sized as the client sizes them (pushSizeAfter). */
const BATCH = process.env.STORM_BATCH ? Number(process.env.STORM_BATCH) : null;
const WITHOUT = new Set((process.env.STORM_WITHOUT ?? '').split(',').filter(Boolean));

const REMOVE: Record<string, string> = {
  // app.take_version (20261125000800) with its block of 1,000 versions reserved from a
  // sequence instead of the location's row: no row lock, so no commit order either
  'version-lock': `create sequence app.storm_versions increment by 1000;
    create or replace function app.take_version(kind text, scope uuid) returns bigint
    language plpgsql security definer set search_path = '' as $f$
    declare
      guc text := 'tandem.v_' || kind || '_' || replace(scope::text, '-', '');
      cur text := current_setting(guc, true);
      nxt bigint;
      hi bigint;
    begin
      if cur is not null and cur <> '' then
        nxt := split_part(cur, ':', 1)::bigint;
        hi := split_part(cur, ':', 2)::bigint;
        if nxt <= hi then
          perform set_config(guc, (nxt + 1)::text || ':' || hi::text, true);
          return nxt;
        end if;
      end if;
      nxt := nextval('app.storm_versions');
      hi := nxt + 999;
      perform pg_notify('tandem_poke', kind || ':' || scope::text);
      perform set_config(guc, (nxt + 1)::text || ':' || hi::text, true);
      return nxt;
    end $f$`,
  // the stock movements' triggers: no shared stock-level rows to update (nor their versions)
  'stock-levels': `alter table public.stock_movements disable trigger user`,
  rls: `do $$ declare r record; begin
    for r in select c.oid::regclass t from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity loop
      execute format('alter table %s disable row level security', r.t);
    end loop; end $$`,
  'version-triggers': `do $$ declare r record; begin
    for r in select tgrelid::regclass t from pg_trigger where tgname = 'version_bump' loop
      execute format('alter table %s disable trigger version_bump', r.t);
    end loop; end $$`,
  // the foreign keys of the tables a sale writes
  'foreign-keys': `do $$ declare r record; begin
    for r in select conrelid::regclass t, conname from pg_constraint where contype = 'f'
             and conrelid in ('public.orders'::regclass, 'public.order_items'::regclass, 'public.stock_movements'::regclass,
                              'public.loyalty_ledger'::regclass, 'public.mutation_log'::regclass) loop
      execute format('alter table %s drop constraint %I', r.t, r.conname);
    end loop; end $$`,
};

/** CPU time (ms) of every process so far, by pid, from /proc. */
function cpuByPid(serverPid: number | undefined): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  const tick = 1000 / 100; // USER_HZ
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name = pid === String(process.pid) ? 'this script (the tablets)' : pid === String(serverPid) ? 'the app server (Node)' : comm === 'postgres' ? 'PostgreSQL (all its processes)' : 'anything else';
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, { name, ms: (Number(f[11]) + Number(f[12])) * tick });
    } catch {
      /* gone */
    }
  }
  return out;
}

for (const w of WITHOUT) if (!REMOVE[w]) throw new Error(`STORM_WITHOUT: unknown "${w}" (known: ${Object.keys(REMOVE).join(', ')})`);
// STORM_ENGINE=pglite runs the storm on the embedded engine (PGlite in the app server's
// process) instead; DB_DELAY_MS is PostgreSQL's only.
const ENGINE = process.env.STORM_ENGINE === 'pglite' ? 'pglite' : 'postgres';
if (ENGINE === 'pglite' && process.env.DB_DELAY_MS) throw new Error('DB_DELAY_MS needs STORM_ENGINE=postgres');
const link = ENGINE === 'postgres' ? await benchPostgres() : null; // DB_DELAY_MS: see benchPostgres
const app = await startAppServer(ENGINE);
// Interrupted, the throwaway database (perhaps without its locks and checks) goes too.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void app.destroy().finally(() => process.exit(130)));
try {
  if (WITHOUT.size) {
    await app.stop();
    const db = await app.openDb();
    for (const w of WITHOUT) await db.exec(REMOVE[w]);
    await db.close();
    await app.start();
  }
  const { manager, cat } = await benchSetup(app);
  const fleet = [];
  for (let i = 0; i < TABLETS; i++) fleet.push(await rawTablet(app, manager, `Storm ${i}`));
  const HISTORY = Number(process.env.STORM_HISTORY ?? 0);
  if (HISTORY) {
    await pushSales(app.url, cat, await rawTablet(app, manager, 'History'), HISTORY, 500);
    await app.stop();
    const db = await app.openDb();
    await db.exec('vacuum analyze');
    await db.close();
    await app.start();
  }
  // STORM_WARMUP=1: a small storm first (as many tablets, 20 sales each), so that the one
  // measured meets connections that have pushed before, as a server that has been open a
  // while does (each new connection compiles the sync functions on its first push)
  if (process.env.STORM_WARMUP === '1') {
    const warm = [];
    for (let i = 0; i < TABLETS; i++) warm.push(await rawTablet(app, manager, `Warm ${i}`));
    await Promise.all(warm.map((t) => pushSales(app.url, cat, t, 20, BATCH ?? undefined)));
  }
  const counter = await rawTablet(app, manager, 'Live counter');
  const before = cpuByPid(app.pid());
  const t0 = performance.now();
  const live = liveCounter(app.url, cat, counter);
  const pushes = await Promise.all(fleet.map((f) => pushSales(app.url, cat, f, PER, BATCH ?? undefined)));
  const total = performance.now() - t0;
  const liveLat = await live.stop();
  const cpu = new Map<string, number>();
  for (const [pid, now] of cpuByPid(app.pid())) {
    const used = now.ms - (before.get(pid)?.ms ?? 0);
    if (used > 0) cpu.set(now.name, (cpu.get(now.name) ?? 0) + used);
  }
  const all = pushes.flat().map((p) => p.ms);
  const first = pushes.map((p) => p[0].ms);
  const sizes = pushes.flat().map((p) => p.size);
  const sales = TABLETS * PER;
  console.log(`engine: ${ENGINE}; without: ${[...WITHOUT].join(', ') || 'nothing (the product as it is)'}`);
  console.log(`${TABLETS} tablets × ${PER} sales, ${BATCH ? `pushes of ${BATCH}` : 'pushes sized as the client sizes them'} (${sizes.length} pushes, ${Math.min(...sizes)}–${Math.max(...sizes)} each): ${total.toFixed(0)} ms in all (${(sales / (total / 1000)).toFixed(0)} sales/s)`);
  console.log(`push latency p50 ${pct(all, 50).toFixed(0)} ms, p99 ${pct(all, 99).toFixed(0)} ms; the first wave (all at once) worst ${Math.max(...first).toFixed(0)} ms`);
  console.log(`first wave: ${first.map((x) => x.toFixed(0)).sort((a, b) => +a - +b).join(" ")}`);
  console.log(`a counter selling meanwhile (one sale pushed alone every 100 ms, ${liveLat.length} pushes): p50 ${pct(liveLat, 50).toFixed(0)} ms, p99 ${pct(liveLat, 99).toFixed(0)} ms`);
  console.log('CPU during the storm:');
  for (const [name, ms] of [...cpu].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms >= 50)) {
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  (${((ms / sales) * 1000).toFixed(0)} µs per sale)`);
  }
} finally {
  await app.destroy();
  await link?.close();
}
process.exit(0);
