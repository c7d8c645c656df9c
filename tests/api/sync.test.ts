// The sync endpoints over HTTP against the built server: a malformed batch gets 400 and
// writes nothing, an oversized one 413, a poke reaches another tablet's event stream, and
// a revoked device is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { SCHEMA_VERSION } from '../../src/shared/sync/protocol.ts';
import { client, countRows, startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import { engines } from '../fixtures/engines.ts';

describe.each(engines())('sync endpoints on $name', ({ name }) => {
  let app: AppServer;
  let manager: ReturnType<typeof client>;
  const devices: { deviceId: string; credential: string; token: string }[] = [];
  let productId: string;
  let baristaId: string;

  beforeAll(async () => {
    app = await startAppServer(name);
    manager = client(app.url);
    expect((await manager.post('/api/auth/signin', { email: DEMO_MANAGER_EMAIL, password: TEST_PASSWORD })).status).toBe(200);
    for (const n of ['Bar', 'Till', 'Spare']) {
      const d = (await manager.post('/api/devices', { locationId: app.seed.cafeLocationId, name: n })).json;
      const t = (await client(app.url).post('/api/devices/token', { deviceId: d.deviceId, credential: d.credential })).json;
      devices.push({ deviceId: d.deviceId, credential: d.credential, token: t.accessToken });
    }
    const snap = await client(app.url).post('/api/sync/pull', { clientId: crypto.randomUUID(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${devices[0].token}` });
    expect(snap.status).toBe(200);
    productId = snap.json.patch.find((p: any) => p.table === 'products').row.id;
    baristaId = snap.json.patch.find((p: any) => p.table === 'staff' && p.row.role === 'barista').row.id;
  });
  afterAll(() => app?.destroy());

  const as = (i: number) => ({ authorization: `Bearer ${devices[i].token}` });
  const mutation = (id: number, soldOut = true) => ({ id, name: 'product.setSoldOut', args: { productId, soldOut }, staffId: baristaId, clientTime: new Date().toISOString() });

  it('refuses malformed and oversized batches before writing anything', async () => {
    const db = app.engine === 'postgres' ? await app.openDb() : null;
    const before = db ? await countRows(db) : null;
    const c = client(app.url);
    const cases: [unknown, number, string][] = [
      ['{"clientId":', 400, 'VALIDATION_FAILED'],
      [{ clientId: 'nope', schemaVersion: 1, mutations: [] }, 400, 'VALIDATION_FAILED'],
      [{ clientId: crypto.randomUUID(), schemaVersion: 1, mutations: [{ id: 0, name: 'x', args: {}, staffId: baristaId, clientTime: 'yesterday' }] }, 400, 'VALIDATION_FAILED'],
      [{ clientId: crypto.randomUUID(), schemaVersion: 1, mutations: Array.from({ length: 501 }, (_, i) => mutation(i + 1)) }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ clientId: crypto.randomUUID(), schemaVersion: 1, mutations: [{ ...mutation(1), args: { pad: 'x'.repeat(1024 * 1024) } }] }, 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [body, status, code] of cases) {
      const r = await c.post('/api/sync/push', body, as(0));
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(r.json.error.code).toBe(code);
    }
    expect((await c.post('/api/sync/push', { clientId: crypto.randomUUID(), schemaVersion: 1, mutations: [] })).status).toBe(401);
    expect((await c.post('/api/sync/pull', { clientId: crypto.randomUUID(), cookie: 42, schemaVersion: 1 }, as(0))).status).toBe(400);
    if (db) {
      expect(await countRows(db)).toEqual(before);
      await db.close();
    }
  });

  it('applies a push, answers a gap with 409 and the expected id', async () => {
    const c = client(app.url);
    const clientId = crypto.randomUUID();
    const ok = await c.post('/api/sync/push', { clientId, schemaVersion: SCHEMA_VERSION, mutations: [mutation(1), mutation(2, false)] }, as(0));
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ lastMutationId: 2, results: [{ id: 1, status: 'applied' }, { id: 2, status: 'applied' }] });
    const gap = await c.post('/api/sync/push', { clientId, schemaVersion: SCHEMA_VERSION, mutations: [mutation(4)] }, as(0));
    expect(gap.status).toBe(409);
    expect(gap.json.error).toMatchObject({ code: 'MUTATION_GAP', details: { expected: 3 } });
    const other = await c.post('/api/sync/push', { clientId, schemaVersion: SCHEMA_VERSION, mutations: [mutation(3)] }, as(1));
    expect(other.status).toBe(403);
  });

  it('pokes another tablet of the location through its event stream', async () => {
    const ctrl = new AbortController();
    const res = await fetch(app.url + '/api/sync/events', { headers: as(1), signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    const waitFor = async (what: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!what.test(buf)) {
        if (Date.now() > deadline) throw new Error(`no ${what} in ${JSON.stringify(buf)}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream closed');
        buf += value;
      }
    };
    await waitFor(/event: ready/);
    const t0 = Date.now();
    const r = await client(app.url).post('/api/sync/push', { clientId: crypto.randomUUID(), schemaVersion: SCHEMA_VERSION, mutations: [mutation(1)] }, as(0));
    expect(r.status).toBe(200);
    await waitFor(/event: poke/);
    expect(Date.now() - t0).toBeLessThan(5000);
    ctrl.abort();
  });

  it('lets a manager import an exported outbox, exactly once', async () => {
    const clientId = crypto.randomUUID();
    const c = client(app.url);
    // the tablet delivered mutation 1 itself before it broke; the export holds 1–3
    expect((await c.post('/api/sync/push', { clientId, schemaVersion: SCHEMA_VERSION, mutations: [mutation(1)] }, as(0))).status).toBe(200);
    const file = { kind: 'tandem-outbox', version: 1, clientId, deviceId: devices[0].deviceId, exportedAt: new Date().toISOString(), mutations: [mutation(1), mutation(2, false), mutation(3)] };
    const first = await manager.post('/api/sync/import', file);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ lastMutationId: 3, applied: 2, duplicate: 1, rejected: 0 });
    const again = await manager.post('/api/sync/import', file);
    expect(again.json).toMatchObject({ applied: 0, duplicate: 3 });
    // a device token cannot import, and an unknown device is a 404
    expect((await c.post('/api/sync/import', file, as(1))).status).toBe(403);
    expect((await manager.post('/api/sync/import', { ...file, deviceId: crypto.randomUUID() })).status).toBe(404);
  });

  it('refuses a revoked device', async () => {
    expect((await manager.del(`/api/devices/${devices[2].deviceId}`)).status).toBe(200);
    const r = await client(app.url).post('/api/sync/push', { clientId: crypto.randomUUID(), schemaVersion: SCHEMA_VERSION, mutations: [mutation(1)] }, as(2));
    expect(r.status).toBe(401);
    const p = await client(app.url).post('/api/sync/pull', { clientId: crypto.randomUUID(), cookie: null, schemaVersion: SCHEMA_VERSION }, as(2));
    expect(p.status).toBe(401);
  });
});
