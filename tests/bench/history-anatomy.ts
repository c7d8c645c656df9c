// What a café's history costs the everyday sync path (issue #3):
//
//   npm run build && npx node tests/bench/history-anatomy.ts
//
// On the built server (HISTORY_ENGINE: pglite, the default, or postgres at
// BENCH_DATABASE_URL / TEST_DATABASE_URL / postgres://postgres@127.0.0.1:5432), for each
// number of earlier sales in HISTORY_STEPS (default 0,30000; recorded by other tablets in
// pushes of 500): a new tablet pushes 100 single sales, one push each, as a tablet rings
// them up while online (p50 and mean), and an up-to-date tablet pulls 30 times, each after
// one new sale from another tablet (p50). HISTORY_WAIT=65 first waits that many seconds
// after recording the history, long enough for the database's statistics to be kept
// (PostgreSQL's autovacuum, or the embedded server's own pass a minute; see
// src/server/db/maintenance.ts). DB_DELAY_MS=1 (PostgreSQL) puts 1 ms each way between the app
// server and the database (tests/fixtures/db-link.ts). Nothing is asserted: tests/sync/history-cost.test.ts is
// the check that what a push reads does not grow with the history.
import { SCHEMA_VERSION } from '../../src/shared/sync/protocol.ts';
import { client, startAppServer } from '../fixtures/app-server.ts';
import { benchPostgres, benchSetup, orderArgs, pct, pushSales, rawTablet } from './sync-bench.ts';

const ENGINE = process.env.HISTORY_ENGINE === 'postgres' ? 'postgres' : 'pglite';
const STEPS = (process.env.HISTORY_STEPS ?? '0,30000').split(',').map(Number);
const WAIT_S = Number(process.env.HISTORY_WAIT ?? 0);

const link = await benchPostgres(); // DB_DELAY_MS: see benchPostgres
const app = await startAppServer(ENGINE);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void app.destroy().finally(() => process.exit(130)));
try {
  const { manager, cat } = await benchSetup(app);
  let made = 0;
  const tablet = () => rawTablet(app, manager, `History ${++made}`);
  const post = (path: string, tok: string, body: unknown) => client(app.url).post(path, body, { authorization: `Bearer ${tok}` });

  let history = 0;
  for (const step of STEPS) {
    if (step > history) {
      await pushSales(app.url, cat, await tablet(), step - history, 500);
      history = step;
      if (WAIT_S) await new Promise((r) => setTimeout(r, WAIT_S * 1000));
    }
    const pushes = (await pushSales(app.url, cat, await tablet(), 100, 1)).map((p) => p.ms);

    const reader = await tablet();
    await pushSales(app.url, cat, reader, 1, 1); // its client id, registered
    let cookie: string | null = null;
    for (let more = true; more; ) {
      const r: { cookie: string; more: boolean } = (await post('/api/sync/pull', reader.tok, { clientId: reader.clientId, cookie, schemaVersion: SCHEMA_VERSION })).json;
      cookie = r.cookie;
      more = r.more;
    }
    const writer = await tablet();
    const pulls: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const mutation = { id: i, name: 'order.create', args: orderArgs(cat, writer.code, i), staffId: cat.barista, clientTime: new Date().toISOString() };
      const pushed = await post('/api/sync/push', writer.tok, { clientId: writer.clientId, schemaVersion: SCHEMA_VERSION, mutations: [mutation] });
      if (pushed.status !== 200) throw new Error(`push failed: ${pushed.status} ${pushed.text.slice(0, 200)}`);
      const t0 = performance.now();
      const r: { cookie: string } = (await post('/api/sync/pull', reader.tok, { clientId: reader.clientId, cookie, schemaVersion: SCHEMA_VERSION })).json;
      pulls.push(performance.now() - t0);
      cookie = r.cookie;
    }
    const mean = pushes.reduce((a, b) => a + b, 0) / pushes.length;
    console.log(
      `${ENGINE}, ${history.toLocaleString('en')} earlier sales${history && WAIT_S ? ` (then ${WAIT_S} s idle)` : ''}: ` +
        `single-sale push p50 ${pct(pushes, 50).toFixed(1)} ms (mean ${mean.toFixed(1)}), incremental pull p50 ${pct(pulls, 50).toFixed(1)} ms`,
    );
  }
} finally {
  await app.destroy();
  await link?.close();
}
process.exit(0);
