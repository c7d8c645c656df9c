// Sync benchmarks (DESIGN §12, issue #3), on one engine at a time, against the built
// server over HTTP as tablets use it. Every figure comes with a baseline measured in the
// same run; nothing here asserts a time.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { LocalDb } from '../../src/client/db/local-db.ts';
import { PUSH_BATCH, pushSizeAfter, SyncEngine } from '../../src/client/sync/engine.ts';
import { mutate } from '../../src/client/sync/outbox.ts';
import { rememberDevice } from '../../src/client/sync/register.ts';
import { httpTransport } from '../../src/client/sync/transport.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { SCHEMA_VERSION } from '../../src/shared/sync/protocol.ts';
import { openDbLink, type DbLink } from '../fixtures/db-link.ts';
import { serverMutators } from '../../src/server/mutators/index.ts';
import type { MutationContext } from '../../src/server/mutators/context.ts';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { client, startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import type { EngineName } from '../fixtures/engines.ts';

export interface Figure {
  engine: EngineName;
  what: string;
  value: string;
  baseline: string;
  ratio: string;
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

export interface Catalog {
  products: { id: string; price_cents: number }[];
  barista: string;
}

/** Syncs until the outbox is empty, retrying what times out (as the real loop's backoff would). */
async function drain(e: SyncEngine) {
  for (let i = 0; i < 100; i++) {
    try {
      await e.sync();
      if ((await e.db.outbox.count()) === 0) return;
    } catch {
      /* retried */
    }
  }
  throw new Error('could not drain the outbox');
}

export async function registerTablet(app: AppServer, manager: ReturnType<typeof client>, name: string) {
  const d = (await manager.post('/api/devices', { locationId: app.seed.cafeLocationId, name })).json;
  const db = new LocalDb(`bench-${d.deviceId}`, { indexedDB: new IDBFactory(), IDBKeyRange });
  await rememberDevice(db, { deviceId: d.deviceId, locationId: app.seed.cafeLocationId, organizationId: app.seed.organizationId, code: d.code }, d.credential);
  const transport = httpTransport({ baseUrl: app.url, credential: async () => ({ deviceId: d.deviceId, credential: d.credential }) });
  return { db, transport, code: d.code as string, deviceId: d.deviceId as string, credential: d.credential as string, engine: new SyncEngine({ db, transport }) };
}

/**
 * The PostgreSQL server the anatomy scripts use (BENCH_DATABASE_URL, TEST_DATABASE_URL, or
 * the local one), set as TEST_DATABASE_URL for startAppServer. With DB_DELAY_MS=1 the app
 * server reaches it through tests/fixtures/db-link.ts, 1 ms each way (a database on another
 * machine, as on Supabase); the link's work is the calling script's CPU. Close the link after.
 */
export async function benchPostgres(): Promise<DbLink | null> {
  process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const link = process.env.DB_DELAY_MS ? await openDbLink(process.env.TEST_DATABASE_URL, Number(process.env.DB_DELAY_MS)) : null;
  if (link) process.env.TEST_DATABASE_URL = link.url;
  return link;
}

/** A registered tablet as pushSales drives it: its order-number code, an access token and a new client id. */
export async function rawTablet(app: AppServer, manager: ReturnType<typeof client>, name: string): Promise<RawTablet> {
  const t = await registerTablet(app, manager, name);
  const tok = (await client(app.url).post('/api/devices/token', { deviceId: t.deviceId, credential: t.credential })).json.accessToken as string;
  return { code: t.code, tok, clientId: crypto.randomUUID() };
}

/** The demo manager signed in, and what the sync figures ring up, as a tablet's first pull reads it: the café's products and a barista. */
export async function benchSetup(app: AppServer): Promise<{ manager: ReturnType<typeof client>; cat: Catalog }> {
  const manager = client(app.url);
  await manager.post('/api/auth/signin', { email: DEMO_MANAGER_EMAIL, password: TEST_PASSWORD });
  const probe = await registerTablet(app, manager, 'Probe');
  await probe.engine.sync();
  const products = (await probe.db.table('products').toArray()).map((p) => ({ id: p.id as string, price_cents: p.price_cents as number }));
  const staff = await probe.db.table('staff').toArray();
  return { manager, cat: { products, barista: staff.find((s) => s.role === 'barista').id as string } };
}

export function orderArgs(cat: Catalog, code: string, seq: number) {
  const p = cat.products[seq % cat.products.length];
  const q = cat.products[(seq * 7 + 3) % cat.products.length];
  return {
    orderId: crypto.randomUUID(),
    number: orderNumber(code, seq),
    items: [
      { id: crypto.randomUUID(), productId: p.id, quantity: 1, unitPriceCents: p.price_cents, modifierIds: [] },
      { id: crypto.randomUUID(), productId: q.id, quantity: 2, unitPriceCents: q.price_cents, modifierIds: [] },
    ],
  };
}

/** A tablet as the raw pushes below use it: its order-number code, access token and client id. */
export interface RawTablet {
  code: string;
  tok: string;
  clientId: string;
}

/**
 * Pushes `total` sales (ids 1…total) from one tablet over HTTP as raw requests, sized as the
 * client sizes them (PUSH_BATCH first, then pushSizeAfter) or `fixed` each; returns each push's
 * latency and size, in order.
 */
export async function pushSales(url: string, cat: Catalog, t: RawTablet, total: number, fixed?: number): Promise<{ ms: number; size: number }[]> {
  const pushes: { ms: number; size: number }[] = [];
  let size = fixed ?? PUSH_BATCH;
  for (let start = 1; start <= total; ) {
    const n = Math.min(size, total - start + 1);
    const mutations = Array.from({ length: n }, (_, i) => ({ id: start + i, name: 'order.create', args: orderArgs(cat, t.code, start + i), staffId: cat.barista, clientTime: new Date().toISOString() }));
    const s0 = performance.now();
    const r = await client(url).post('/api/sync/push', { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations }, { authorization: `Bearer ${t.tok}` });
    const took = performance.now() - s0;
    if (r.status !== 200) throw new Error(`push failed: ${r.status} ${r.text.slice(0, 200)}`);
    pushes.push({ ms: took, size: n });
    start += n;
    size = fixed ?? pushSizeAfter(n, took);
  }
  return pushes;
}

/**
 * A counter still selling while others catch up: from now until stop(), one sale pushed
 * alone every `everyMs` (ids 1, 2, …; the next when both the time has come and the last
 * push has answered). stop() waits for the push in flight and returns each one's latency.
 */
export function liveCounter(url: string, cat: Catalog, t: RawTablet, everyMs = 100): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  let failed: unknown = null;
  const loop = (async () => {
    for (let id = 1; running; id++) {
      const due = performance.now() + everyMs;
      const s0 = performance.now();
      const r = await client(url).post('/api/sync/push', { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [{ id, name: 'order.create', args: orderArgs(cat, t.code, id), staffId: cat.barista, clientTime: new Date().toISOString() }] }, { authorization: `Bearer ${t.tok}` });
      if (r.status !== 200) throw new Error(`live push failed: ${r.status} ${r.text.slice(0, 200)}`);
      latencies.push(performance.now() - s0);
      const wait = due - performance.now();
      if (wait > 0 && running) await new Promise((res) => setTimeout(res, wait));
    }
  })().catch((err) => void (failed = err)); // kept for stop(), not an unhandled rejection meanwhile
  return {
    async stop() {
      running = false;
      await loop;
      if (failed) throw failed;
      return latencies;
    },
  };
}

/** The most tablets the README advises for one embedded server (storm figure 3b). */
export const EMBEDDED_FLEET = 8;

export async function benchEngine(engine: EngineName, log: (s: string) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const app = await startAppServer(engine);
  try {
    const { manager, cat } = await benchSetup(app);

    // 1. Push throughput vs the same mutator SQL run directly (one transaction per 100).
    const N = 1000;
    const t = await registerTablet(app, manager, 'Throughput');
    const token = (await client(app.url).post('/api/devices/token', { deviceId: t.deviceId, credential: t.credential })).json.accessToken;
    const clientId = crypto.randomUUID();
    const batches = [];
    for (let b = 0; b < N / 100; b++) {
      batches.push(Array.from({ length: 100 }, (_, i) => {
        const id = b * 100 + i + 1;
        return { id, name: 'order.create', args: orderArgs(cat, t.code, id), staffId: cat.barista, clientTime: new Date().toISOString() };
      }));
    }
    let t0 = performance.now();
    for (const mutations of batches) {
      const r = await client(app.url).post('/api/sync/push', { clientId, schemaVersion: SCHEMA_VERSION, mutations }, { authorization: `Bearer ${token}` });
      if (r.status !== 200 || r.json.results.some((x: { status: string }) => x.status !== 'applied')) throw new Error(`push failed: ${r.text.slice(0, 300)}`);
    }
    const pushRate = N / ((performance.now() - t0) / 1000);

    await app.stop(); // PGlite has one owner: measure the direct path in this process
    const db = await app.openDb();
    const [{ id: directDevice }] = (await db.query<{ id: string }>(`insert into public.devices (location_id, name, code) values ($1, 'Direct', 'ZZ') returning id`, [app.seed.cafeLocationId])).rows;
    t0 = performance.now();
    for (let b = 0; b < N / 100; b++) {
      await db.transaction(async (tx) => {
        for (let i = 0; i < 100; i++) {
          const seq = b * 100 + i + 1;
          const ctx: MutationContext = { tx, deviceId: directDevice, deviceCode: 'ZZ', locationId: app.seed.cafeLocationId, organizationId: app.seed.organizationId, staffId: cat.barista, staffRole: 'barista', clientId: crypto.randomUUID(), mutationId: seq, clientTime: new Date().toISOString(), flag: async () => {} };
          await serverMutators['order.create'](ctx, orderArgs(cat, 'ZZ', seq));
        }
      });
    }
    const directRate = N / ((performance.now() - t0) / 1000);
    await db.close();
    await app.start();
    figures.push({ engine, what: 'push throughput, order.create (mutations/s)', value: pushRate.toFixed(0), baseline: `${directRate.toFixed(0)} direct SQL`, ratio: (pushRate / directRate).toFixed(2) });
    log(`  ${engine}: push ${pushRate.toFixed(0)}/s vs direct ${directRate.toFixed(0)}/s`);

    // 2. One tablet reconnecting with 1,000 queued mutations, through the real client.
    const one = await registerTablet(app, manager, 'Reconnect');
    await one.engine.sync();
    for (let i = 1; i <= 1000; i++) await mutate(one.db, 'order.create', orderArgs(cat, one.code, i), cat.barista);
    t0 = performance.now();
    await drain(one.engine);
    const reconnect = performance.now() - t0;
    if ((await one.db.outbox.count()) !== 0) throw new Error('outbox not drained');
    // baseline: the same tablet's pull with nothing to push (the fixed cost of a round)
    t0 = performance.now();
    await one.engine.sync();
    const idleRound = performance.now() - t0;
    figures.push({ engine, what: '1 tablet, 1,000 queued → all acknowledged', value: ms(reconnect), baseline: `${ms(idleRound)} idle round`, ratio: (reconnect / idleRound).toFixed(1) });
    log(`  ${engine}: 1000 queued acknowledged in ${ms(reconnect)}`);

    // 2b. The same with what a counter really queues: each sale followed by its payment in
    // cash (500 sales, 1,000 mutations), beside the 1,000 sales alone above.
    const paid = await registerTablet(app, manager, 'Reconnect paid');
    await paid.engine.sync();
    for (let i = 1; i <= 500; i++) {
      const args = orderArgs(cat, paid.code, i);
      await mutate(paid.db, 'order.create', args, cat.barista);
      const total = (await paid.db.table('orders').get(args.orderId)).total_cents as number;
      await mutate(paid.db, 'order.payCash', { orderId: args.orderId, paymentId: crypto.randomUUID(), amountCents: total, tenderedCents: total }, cat.barista);
    }
    t0 = performance.now();
    await drain(paid.engine);
    const reconnectPaid = performance.now() - t0;
    const paidOrders = (await paid.db.table('orders').toArray()).filter((o) => o.device_id === paid.deviceId && o.payment_status === 'paid' && !o.deleted).length;
    if (paidOrders !== 500) throw new Error(`expected 500 paid orders on the tablet after the pull, got ${paidOrders}`);
    figures.push({ engine, what: '1 tablet, 500 sales + 500 cash payments queued → all acknowledged', value: ms(reconnectPaid), baseline: `${ms(reconnect)} for 1,000 sales`, ratio: (reconnectPaid / reconnect).toFixed(2) });
    log(`  ${engine}: 500 sales with their payments acknowledged in ${ms(reconnectPaid)}`);

    // 3. 20 tablets at one café reconnect at once, 200 queued each, pushed over HTTP in
    // pushes sized as the client sizes them (PUSH_BATCH first, then pushSizeAfter) (the worst case:
    // one location's version row, which every write of the location takes in commit order).
    // Raw pushes: 20 simulated clients rebasing in this one Node process would measure this
    // process, not the server.
    // Meanwhile a counter keeps selling, one sale pushed alone every 100 ms (gate.ts lets such
    // a push in ahead of the backlogs).
    const fleet: RawTablet[] = [];
    for (let i = 0; i < 20; i++) fleet.push(await rawTablet(app, manager, `Storm ${i}`));
    const counter = await rawTablet(app, manager, 'Live counter');
    t0 = performance.now();
    const live = liveCounter(app.url, cat, counter);
    const stormPushes = (await Promise.all(fleet.map((f) => pushSales(app.url, cat, f, 200)))).flat();
    const storm = performance.now() - t0;
    const liveLat = await live.stop();
    const latencies = stormPushes.map((p) => p.ms);
    const stormSizes = stormPushes.map((p) => p.size);
    // baseline: one more tablet pushing the same 200 with nobody else about
    const soloLat = (await pushSales(app.url, cat, await rawTablet(app, manager, 'Solo'), 200)).map((p) => p.ms);
    figures.push({ engine, what: `20 tablets × 200 at once (${stormSizes.length} pushes, ${Math.min(...stormSizes)}–${Math.max(...stormSizes)} each): push p50 / p99`, value: `${ms(pct(latencies, 50))} / ${ms(pct(latencies, 99))}`, baseline: `${ms(pct(soloLat, 50))} one tablet alone`, ratio: (pct(latencies, 99) / pct(soloLat, 50)).toFixed(1) });
    figures.push({ engine, what: '20 tablets × 200 at once: total', value: ms(storm), baseline: `${ms((4000 / pushRate) * 1000)} at the push rate above`, ratio: (storm / ((4000 / pushRate) * 1000)).toFixed(2) });
    // baseline: the same counter's sales with nobody else about
    const quiet = liveCounter(app.url, cat, await rawTablet(app, manager, 'Quiet counter'));
    await new Promise((r) => setTimeout(r, 2000));
    const quietLat = await quiet.stop();
    figures.push({ engine, what: `a counter selling during the storm (${liveLat.length} sales, one per push): p50 / p99`, value: `${ms(pct(liveLat, 50))} / ${ms(pct(liveLat, 99))}`, baseline: `${ms(pct(quietLat, 50))} p50 with no storm`, ratio: (pct(liveLat, 99) / pct(quietLat, 50)).toFixed(1) });
    log(`  ${engine}: storm total ${ms(storm)}, p99 ${ms(pct(latencies, 99))}; a live sale meanwhile p99 ${ms(pct(liveLat, 99))}`);

    // 3b. Embedded: the storm at the size of shop the embedded mode is for (EMBEDDED_FLEET
    // tablets; beyond that, the README says to connect a PostgreSQL server).
    if (engine === 'pglite') {
      const small: RawTablet[] = [];
      for (let i = 0; i < EMBEDDED_FLEET; i++) small.push(await rawTablet(app, manager, `Small storm ${i}`));
      t0 = performance.now();
      const smallPushes = (await Promise.all(small.map((f) => pushSales(app.url, cat, f, 200)))).flat();
      const smallStorm = performance.now() - t0;
      const smallLat = smallPushes.map((p) => p.ms);
      figures.push({ engine, what: `${EMBEDDED_FLEET} tablets × 200 at once (${smallPushes.length} pushes, total ${(smallStorm / 1000).toFixed(1)} s): push p50 / p99`, value: `${ms(pct(smallLat, 50))} / ${ms(pct(smallLat, 99))}`, baseline: `${ms(pct(soloLat, 50))} one tablet alone`, ratio: (pct(smallLat, 99) / pct(soloLat, 50)).toFixed(1) });
      log(`  ${engine}: ${EMBEDDED_FLEET}-tablet storm total ${ms(smallStorm)}, p99 ${ms(pct(smallLat, 99))}`);
    }

    // 4. Poke-to-pull: tablet A pushes; tablet B, listening, pulls and holds the row.
    const a = await registerTablet(app, manager, 'Poke A');
    const b = await registerTablet(app, manager, 'Poke B');
    await a.engine.sync();
    await b.engine.sync();
    const samples: number[] = [];
    const idle: number[] = [];
    let seq = 0;
    for (let k = 0; k < 20; k++) {
      let resolveSeen!: () => void;
      const seen = new Promise<void>((r) => (resolveSeen = r));
      const orderId = crypto.randomUUID();
      const stop = b.transport.events!(async () => {
        await b.engine.sync();
        if (await b.db.table('orders').get(orderId)) resolveSeen();
      }, () => {});
      await new Promise((r) => setTimeout(r, 50)); // stream open
      const args = { ...orderArgs(cat, a.code, ++seq), orderId };
      await mutate(a.db, 'order.create', args, cat.barista);
      const s = performance.now();
      await drain(a.engine);
      const pushed = performance.now();
      await seen;
      samples.push(performance.now() - pushed);
      idle.push(pushed - s);
      stop();
    }
    figures.push({ engine, what: 'poke → pull on another tablet (p50 / p95)', value: `${ms(pct(samples, 50))} / ${ms(pct(samples, 95))}`, baseline: `${ms(pct(idle, 50))} push round`, ratio: (pct(samples, 50) / pct(idle, 50)).toFixed(1) });
    log(`  ${engine}: poke-to-pull p50 ${ms(pct(samples, 50))}`);
  } finally {
    await app.destroy();
  }
  return figures;
}
