// The manager's console API over HTTP against the built server (issue #7), on both
// engines: every reconciliation kind the sync path produces, resolved through the inbox
// with its effect and an audit row; a day report whose figures equal sums taken here from
// the ledgers, provisional until the last tablet has synced; and who may see what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/server/auth/passwords.ts';
import { hashPin, verifyPin } from '../../src/shared/domain/pin.ts';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { orderNumber } from '../../src/shared/domain/money.ts';
import { SCHEMA_VERSION } from '../../src/shared/sync/protocol.ts';
import { client, startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import { engines } from '../fixtures/engines.ts';
import { httpTransport } from '../../src/client/sync/transport.ts';

const id = () => crypto.randomUUID();

describe.each(engines())('manager console API on $name', ({ name }) => {
  let app: AppServer;
  const manager = () => mgr;
  let mgr: ReturnType<typeof client>;
  let cafeOnly: ReturnType<typeof client>;
  let barista: ReturnType<typeof client>;
  const snap: Record<string, any[]> = {};
  const staff: Record<string, string> = {};

  /** Direct database work (PGlite has one owner: the server is stopped meanwhile). */
  async function withDb<T>(fn: (q: (sql: string, p?: unknown[]) => Promise<any[]>) => Promise<T>): Promise<T> {
    if (app.engine === 'pglite') await app.stop();
    const db = await app.openDb();
    try {
      return await fn(async (sql, p) => (await db.query(sql, p)).rows);
    } finally {
      await db.close();
      if (app.engine === 'pglite') await app.start();
    }
  }

  interface Dev { deviceId: string; token: string; clientId: string; next: number; code: string }
  async function device(locationId: string, label: string): Promise<Dev> {
    const d = (await mgr.post('/api/devices', { locationId, name: label })).json;
    const t = (await client(app.url).post('/api/devices/token', { deviceId: d.deviceId, credential: d.credential })).json;
    return { deviceId: d.deviceId, token: t.accessToken, clientId: id(), next: 1, code: d.code };
  }
  async function push(d: Dev, list: { name: string; args: unknown; staffId: string }[]) {
    const mutations = list.map((m) => ({ ...m, id: d.next++, clientTime: new Date().toISOString() }));
    const r = await client(app.url).post('/api/sync/push', { clientId: d.clientId, schemaVersion: SCHEMA_VERSION, mutations }, { authorization: `Bearer ${d.token}` });
    expect(r.status, r.text).toBe(200);
    return r.json.results as { id: number; status: string; error?: { code: string } }[];
  }
  async function pullAll(d: Dev) {
    const r = await client(app.url).post('/api/sync/pull', { clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${d.token}` });
    for (const p of r.json.patch) if (p.op === 'put') (snap[p.table] ??= []).push(p.row);
  }

  let cafe: Dev;
  let till: Dev;
  let studio: Dev;
  beforeAll(async () => {
    app = await startAppServer(name);
    // a café-only manager and a barista with sign-in accounts, to test who sees what
    await withDb(async (q) => {
      const hash = await hashPassword(TEST_PASSWORD);
      for (const [email, staffName, role, loc] of [['cafe.manager@demo.local', 'Cara Café', 'manager', app.seed.cafeLocationId], ['barista@demo.local', 'Bea Barista', 'barista', app.seed.cafeLocationId]]) {
        const [u] = await q(`insert into auth.users (id, email, encrypted_password, email_confirmed_at) values (gen_random_uuid(), $1, $2, now()) returning id`, [email, hash]);
        const [s] = await q(`insert into public.staff (organization_id, name, role, auth_user_id) values ($1, $2, $3, $4) returning id`, [app.seed.organizationId, staffName, role, u.id]);
        await q(`insert into public.staff_locations (staff_id, location_id) values ($1, $2)`, [s.id, loc]);
      }
    });
    mgr = client(app.url);
    expect((await mgr.post('/api/auth/signin', { email: DEMO_MANAGER_EMAIL, password: TEST_PASSWORD })).status).toBe(200);
    cafeOnly = client(app.url);
    expect((await cafeOnly.post('/api/auth/signin', { email: 'cafe.manager@demo.local', password: TEST_PASSWORD })).status).toBe(200);
    barista = client(app.url);
    expect((await barista.post('/api/auth/signin', { email: 'barista@demo.local', password: TEST_PASSWORD })).status).toBe(200);
    cafe = await device(app.seed.cafeLocationId, 'Counter');
    till = await device(app.seed.cafeLocationId, 'Till');
    studio = await device(app.seed.studioLocationId, 'Door');
    await pullAll(cafe);
    await pullAll(studio);
    for (const s of snap.staff) staff[s.role] ??= s.id;
  }, 180_000);
  afterAll(() => app?.destroy());

  const product = (n: string) => snap.products.find((p) => p.name === n);
  const itemId = (n: string) => snap.inventory_items.find((p) => p.name === n).id;
  const inbox = async (c = mgr, qs = '') => (await c.get(`/api/manager/inbox${qs}`)).json.items as any[];
  const itemOf = async (kind: string) => (await inbox(mgr, `?kind=${kind}`))[0];

  it('turns every kind the sync path raises into an inbox item, and resolves each with its effect and an audit row', async () => {
    const b = staff.barista;
    const croissant = product('Butter croissant');
    // café: a refused stock count, stock below zero, pay later, a price difference, an
    // overdrawn loyalty balance, a drawer that came up short
    const pts = snap.customers.find((c) => c.name === 'Kwame Mensah');
    const orderUnpaid = id();
    const drawer = id();
    const results = await push(cafe, [
      { name: 'stock.count', args: { movementId: id(), itemId: itemId('Oat milk'), countedQuantity: 3 }, staffId: b },
      { name: 'stock.adjust', args: { movementId: id(), itemId: itemId('Croissants'), delta: -100_000, reason: 'waste' }, staffId: b },
      { name: 'order.create', args: { orderId: orderUnpaid, number: orderNumber(cafe.code, 1), items: [{ id: id(), productId: croissant.id, quantity: 1, unitPriceCents: 300, modifierIds: [] }] }, staffId: b },
      { name: 'order.markPayLater', args: { orderId: orderUnpaid }, staffId: b },
      { name: 'loyalty.redeem', args: { entryId: id(), customerId: pts.id, points: 500 }, staffId: b },
      { name: 'drawer.open', args: { drawerSessionId: drawer, openingFloatCents: 10_000 }, staffId: b },
      { name: 'drawer.close', args: { drawerSessionId: drawer, countedCents: 9_500 }, staffId: b },
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
    // studio: a student checked in to the full small class, one without any pass
    await pullAll(studio);
    const small = snap.class_sessions.filter((s) => s.capacity === 3)[0];
    const waiting = snap.bookings.find((x) => x.session_id === small.id && x.status === 'waitlisted');
    const nopass = snap.customers.find((c) => c.name === 'Olivia Bennett');
    const r2 = await push(studio, [
      { name: 'booking.checkIn', args: { bookingId: waiting.id, sessionId: small.id, customerId: waiting.customer_id }, staffId: staff.front_desk },
      { name: 'booking.checkIn', args: { bookingId: id(), sessionId: snap.class_sessions.find((s) => s.capacity !== 3 && !s.cancelled).id, customerId: nopass.id }, staffId: staff.front_desk },
    ]);
    expect(r2.map((r) => r.status)).toEqual(['applied', 'applied']);

    const open = await inbox();
    const kinds = new Set(open.map((i) => i.kind));
    for (const k of ['rejected_mutation', 'negative_stock', 'unpaid_order', 'price_difference', 'loyalty_overdraft', 'drawer_variance', 'over_capacity', 'pass_overdraft']) expect(kinds, k).toContain(k);
    const rejected = open.find((i) => i.kind === 'rejected_mutation');
    expect(rejected).toMatchObject({ deviceName: 'Counter', mutationName: 'stock.count', locationName: 'Demo Café' });
    expect(rejected.actions).toEqual(['accept', 'dismiss']);
    expect((await mgr.get('/api/manager/summary')).json.open[app.seed.cafeLocationId]).toBe(open.filter((i) => i.locationId === app.seed.cafeLocationId).length);

    // bad requests write nothing
    const neg = await itemOf('negative_stock');
    expect((await mgr.post(`/api/manager/inbox/${neg.id}`, { action: 'explode' })).status).toBe(400);
    expect((await mgr.post(`/api/manager/inbox/${neg.id}`, { action: 'write_off', note: 'no' })).json.error.code).toBe('VALIDATION_FAILED');
    expect((await mgr.post(`/api/manager/inbox/${neg.id}`, { action: 'dismiss' })).status).toBe(400); // a dismissal needs a note

    // effects
    expect((await mgr.post(`/api/manager/inbox/${neg.id}`, { action: 'count', quantity: 48 })).status).toBe(200);
    const over = await itemOf('over_capacity');
    expect((await mgr.post(`/api/manager/inbox/${over.id}`, { action: 'move_to_waitlist', note: 'room was full' })).status).toBe(200);
    const unpaid = await itemOf('unpaid_order');
    expect((await mgr.post(`/api/manager/inbox/${unpaid.id}`, { action: 'collect', amountCents: 100_000 })).json.error.code).toBe('VALIDATION_FAILED');
    expect((await mgr.post(`/api/manager/inbox/${unpaid.id}`, { action: 'collect', amountCents: unpaid.details.totalCents })).status).toBe(200);
    expect((await mgr.post(`/api/manager/inbox/${unpaid.id}`, { action: 'collect', amountCents: 1 })).status).toBe(409); // already resolved
    for (const kind of ['rejected_mutation', 'price_difference', 'loyalty_overdraft', 'drawer_variance', 'pass_overdraft']) {
      const it = await itemOf(kind);
      const r = await mgr.post(`/api/manager/inbox/${it.id}`, kind === 'rejected_mutation' ? { action: 'dismiss', note: 'she may not count; told her' } : { action: 'accept' });
      expect(r.status, kind).toBe(200);
    }
    expect(await inbox()).toEqual([]);

    await withDb(async (q) => {
      expect((await q(`select quantity from public.stock_levels where id = $1`, [itemId('Croissants')]))[0].quantity).toBe(48);
      const [bk] = await q(`select status, waitlist_position from public.bookings where id = $1`, [waiting.id]);
      expect(bk.status).toBe('waitlisted');
      expect(await q(`select 1 from public.credit_ledger where booking_id = $1 and reason = 'check_in' and not deleted`, [waiting.id])).toEqual([]);
      expect((await q(`select payment_status from public.orders where id = $1`, [orderUnpaid]))[0].payment_status).toBe('paid');
      const audits = await q(`select action, details->>'kind' as kind, actor_user_id is not null as by_user from public.audit_log where action like 'reconciliation.%' order by created_at`);
      expect(audits.map((a) => a.kind).sort()).toEqual(['drawer_variance', 'loyalty_overdraft', 'negative_stock', 'over_capacity', 'pass_overdraft', 'price_difference', 'rejected_mutation', 'unpaid_order']);
      expect(audits.every((a) => a.by_user)).toBe(true);
      expect(await q(`select status from public.reconciliation_items where status = 'open'`)).toEqual([]);
    });
  });

  it('a café-only manager sees and changes only the café; a barista’s session reaches no manager endpoint', async () => {
    // a fresh item at each location
    await push(cafe, [{ name: 'stock.count', args: { movementId: id(), itemId: itemId('Oat milk'), countedQuantity: 3 }, staffId: staff.barista }]);
    await push(studio, [{ name: 'booking.checkIn', args: { bookingId: id(), sessionId: snap.class_sessions.find((s) => s.capacity !== 3 && !s.cancelled).id, customerId: snap.customers.find((c) => c.name === 'Inès Haddad').id }, staffId: staff.front_desk }]);
    const all = await inbox();
    expect(new Set(all.map((i) => i.locationId))).toEqual(new Set([app.seed.cafeLocationId, app.seed.studioLocationId]));
    const mine = await inbox(cafeOnly);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((i) => i.locationId === app.seed.cafeLocationId)).toBe(true);
    const studioItem = all.find((i) => i.locationId === app.seed.studioLocationId);
    const refused = await cafeOnly.post(`/api/manager/inbox/${studioItem.id}`, { action: 'accept' });
    expect([403, 404]).toContain(refused.status);
    expect((await cafeOnly.get(`/api/manager/report?locationId=${app.seed.studioLocationId}`)).status).toBe(403);
    expect((await cafeOnly.get(`/api/manager/inbox?locationId=${app.seed.studioLocationId}`)).status).toBe(403);
    expect((await cafeOnly.get(`/api/manager/devices`)).json.devices.every((d: any) => d.locationId === app.seed.cafeLocationId)).toBe(true);
    for (const path of ['/api/manager/inbox', '/api/manager/summary', '/api/manager/devices', '/api/manager/drawers', `/api/manager/report?locationId=${app.seed.cafeLocationId}`, `/api/manager/export?locationId=${app.seed.cafeLocationId}&what=orders`]) {
      const r = await barista.get(path);
      expect(r.status, path).toBe(403);
      expect(r.json.error.code).toBe('FORBIDDEN');
    }
    expect((await barista.post(`/api/manager/inbox/${studioItem.id}`, { action: 'accept' })).status).toBe(403);
    // a device's token is not a manager either
    expect((await client(app.url).get('/api/manager/inbox', { authorization: `Bearer ${cafe.token}` })).status).toBe(403);
    expect((await client(app.url).get('/api/manager/inbox')).status).toBe(401);
  });

  it('devices: what each tablet last said it holds, and its build, from the header of its pull', async () => {
    const d = (await mgr.post('/api/devices', { locationId: app.seed.studioLocationId, name: 'Front desk 2' })).json;
    const t = httpTransport({ baseUrl: app.url, credential: async () => ({ deviceId: d.deviceId, credential: d.credential }) });
    const listed = async (c = mgr) => ((await c.get('/api/manager/devices')).json.devices as any[]).find((x) => x.id === d.deviceId);
    expect(await listed()).toMatchObject({ waiting: null, appVersion: null });
    const oldest = '2026-11-26T08:15:00.000Z';
    await t.pull({ clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { waiting: 12, oldest, app: '0.1.0+abc1234' });
    const seen = await listed();
    expect(seen).toMatchObject({ waiting: 12, appVersion: '0.1.0+abc1234' });
    expect(new Date(seen.oldestWaitingAt).toISOString()).toBe(oldest);
    // a report that cannot be read is advice ignored, never a refused pull
    const tok = (await client(app.url).post('/api/devices/token', { deviceId: d.deviceId, credential: d.credential })).json.accessToken;
    const odd = await client(app.url).post('/api/sync/pull', { clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${tok}`, 'x-tandem-queue': 'waiting=lots; app=<script>' });
    expect(odd.status).toBe(200);
    expect(await listed()).toMatchObject({ waiting: 12, appVersion: '0.1.0+abc1234' });
    await t.pull({ clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { waiting: 0, oldest: null, app: '0.1.0+abc1234' });
    expect(await listed()).toMatchObject({ waiting: 0, oldestWaitingAt: null });
    // the café's own manager does not see the studio's tablets at all
    expect(await listed(cafeOnly)).toBeUndefined();
  });

  it('registers a tablet from the console: a pairing code, traded once at /setup for a working credential', async () => {
    const studioId = app.seed.studioLocationId;
    const r = await mgr.post('/api/manager/devices', { locationId: studioId, name: 'Lobby' });
    expect(r.status, r.text).toBe(201);
    expect(r.json.pairingCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(Date.parse(r.json.expiresAt) - Date.now()).toBeGreaterThan(25 * 60_000);
    const listed = ((await mgr.get(`/api/manager/devices?locationId=${studioId}`)).json.devices as any[]).find((d) => d.id === r.json.deviceId);
    expect(listed).toMatchObject({ name: 'Lobby', code: r.json.deviceCode });
    // typed on the tablet in lower case without dashes: the same code
    const paired = await client(app.url).post('/api/devices/pair', { code: r.json.pairingCode.replaceAll('-', '').toLowerCase() });
    expect(paired.status, paired.text).toBe(200);
    expect(paired.json).toMatchObject({ deviceId: r.json.deviceId, code: r.json.deviceCode, locationId: studioId, organizationId: app.seed.organizationId, screens: ['desk'] });
    const tok = await client(app.url).post('/api/devices/token', { deviceId: paired.json.deviceId, credential: paired.json.credential });
    expect(tok.status).toBe(200);
    // once only; a made-up or malformed code is refused the same way
    for (const code of [r.json.pairingCode, 'ABCD-EFGH-JKLM']) {
      const again = await client(app.url).post('/api/devices/pair', { code });
      expect(again.status).toBe(401);
      expect(again.json.error.message).toContain('Ask a manager for a new one');
    }
    expect((await client(app.url).post('/api/devices/pair', { code: 'short' })).status).toBe(400);
    // a revoked tablet's unused code is dead too
    const r2 = (await mgr.post('/api/manager/devices', { locationId: studioId, name: 'Spare' })).json;
    expect((await mgr.del(`/api/devices/${r2.deviceId}`)).status).toBe(200);
    expect((await client(app.url).post('/api/devices/pair', { code: r2.pairingCode })).status).toBe(401);
    // who may register: a manager of that location only
    expect((await cafeOnly.post('/api/manager/devices', { locationId: studioId, name: 'Nope' })).status).toBe(404);
    expect((await barista.post('/api/manager/devices', { locationId: app.seed.cafeLocationId, name: 'Nope' })).status).toBe(404);
  });

  it('edits the menu, stock and schedule through the tablets’ mutators; a tablet sees them; bad edits write nothing', async () => {
    const cafeId = app.seed.cafeLocationId;
    const studioId = app.seed.studioLocationId;
    const categoryId = id();
    const productId = id();
    const itemId_ = id();
    const run = (c: ReturnType<typeof client>, locationId: string, mutations: unknown[]) => c.post('/api/manager/run', { locationId, mutations });
    const r = await run(mgr, cafeId, [
      { name: 'category.save', args: { categoryId, name: 'Specials' } },
      { name: 'product.save', args: { productId, categoryId, name: 'Pumpkin latte', priceCents: 595 } },
      { name: 'inventoryItem.save', args: { itemId: itemId_, name: 'Pumpkin syrup', unit: 'ml', lowStockThreshold: 500 } },
      { name: 'stock.adjust', args: { movementId: id(), itemId: itemId_, delta: 300, reason: 'receive' } },
      { name: 'product.save', args: { productId, categoryId, name: 'Pumpkin latte', priceCents: 625 } },
    ]);
    expect(r.status, r.text).toBe(200);
    const cat = (await mgr.get(`/api/manager/catalog?locationId=${cafeId}`)).json;
    expect(cat.products.find((p: any) => p.id === productId)).toMatchObject({ name: 'Pumpkin latte', priceCents: 625, categoryId });
    expect(cat.lowStock.map((i: any) => i.name)).toContain('Pumpkin syrup');
    // a tablet's next pull has them
    const seen: any[] = [];
    const pulled = await client(app.url).post('/api/sync/pull', { clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${cafe.token}` });
    for (const p of pulled.json.patch) if (p.op === 'put' && p.row.id === productId) seen.push(p.row);
    expect(seen).toEqual([expect.objectContaining({ name: 'Pumpkin latte', price_cents: 625 })]);

    // the schedule: three weekly classes, a substitute, and a cancellation that frees the roster
    const type = cat.classTypes[0];
    const newTypeId = id();
    expect((await run(mgr, studioId, [{ name: 'classType.save', args: { classTypeId: newTypeId, name: 'Aerial Yoga', durationMinutes: 50, defaultCapacity: 8 } }])).status).toBe(200);
    const studioCat = (await mgr.get(`/api/manager/catalog?locationId=${studioId}`)).json;
    expect(studioCat.classTypes.find((t: any) => t.id === newTypeId)).toMatchObject({ name: 'Aerial Yoga', durationMinutes: 50, defaultCapacity: 8 });
    expect((await run(mgr, cafeId, [{ name: 'classType.save', args: { classTypeId: newTypeId, name: 'Moved', durationMinutes: 50, defaultCapacity: 8 } }])).status).toBe(409);
    const yoga = studioCat.classTypes.find((t: any) => t.id !== newTypeId);
    const teacher = studioCat.staff.find((s: any) => s.role === 'instructor');
    expect(type).toBeUndefined(); // the café has no classes
    const weekly = [0, 1, 2].map((w) => ({ sessionId: id(), startsAt: new Date(Date.now() + (w * 7 + 3) * 86_400_000).toISOString() }));
    expect((await run(mgr, studioId, weekly.map((x) => ({ name: 'session.save', args: { ...x, classTypeId: yoga.id, capacity: 12, room: 'Loft', instructorStaffId: teacher.id } })))).status).toBe(200);
    const student = snap.customers.find((c) => c.name === 'Grace Park');
    await push(studio, [{ name: 'booking.create', args: { bookingId: id(), sessionId: weekly[0].sessionId, customerId: student.id }, staffId: staff.front_desk }]);
    const other = studioCat.staff.find((s: any) => s.role === 'instructor' && s.id !== teacher.id);
    expect((await run(mgr, studioId, [{ name: 'session.substitute', args: { sessionId: weekly[1].sessionId, staffId: other.id } }, { name: 'session.cancel', args: { sessionId: weekly[0].sessionId } }])).status).toBe(200);
    const after = (await mgr.get(`/api/manager/catalog?locationId=${studioId}`)).json.sessions;
    expect(after.find((s: any) => s.id === weekly[0].sessionId)).toMatchObject({ cancelled: true, booked: 0 });
    expect(after.find((s: any) => s.id === weekly[1].sessionId)).toMatchObject({ substituteStaffId: other.id, room: 'Loft', capacity: 12 });

    // refusals, and nothing of a refused request is written
    const before = (await mgr.get(`/api/manager/catalog?locationId=${cafeId}`)).json.products.length;
    const bad = await run(mgr, cafeId, [{ name: 'product.save', args: { productId: id(), categoryId: null, name: 'Half written', priceCents: 100 } }, { name: 'order.create', args: {} }]);
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('order.create');
    const bad2 = await run(mgr, cafeId, [{ name: 'product.save', args: { productId: id(), categoryId: null, name: 'Also half', priceCents: 100 } }, { name: 'product.save', args: { productId: id(), categoryId: id(), name: 'Ghost category', priceCents: 100 } }]);
    expect(bad2.status).toBe(404);
    expect((await mgr.get(`/api/manager/catalog?locationId=${cafeId}`)).json.products.length).toBe(before);
    expect((await run(cafeOnly, studioId, [{ name: 'session.cancel', args: { sessionId: weekly[2].sessionId } }])).status).toBe(403);
    expect((await run(barista, cafeId, [{ name: 'product.save', args: { productId: id(), categoryId: null, name: 'Nope', priceCents: 1 } }])).status).toBe(403);
    // a barista at a tablet cannot edit the menu either: the mutation is refused there
    const tabletTry = await push(cafe, [{ name: 'product.save', args: { productId: id(), categoryId: null, name: 'Sneaky', priceCents: 1 }, staffId: staff.barista }]);
    expect(tabletTry[0]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });

  it('options and recipes: a group with priced options on a product, recipes for both; a sale uses them; what a list leaves out is taken off', async () => {
    const cafeId = app.seed.cafeLocationId;
    const run = (locationId: string, mutations: unknown[]) => mgr.post('/api/manager/run', { locationId, mutations });
    const [productId, groupId, oat, whole, beans, oatMilk, cup, l1, l2, l3, l4] = Array.from({ length: 11 }, id);
    const r = await run(cafeId, [
      { name: 'product.save', args: { productId, categoryId: null, name: 'Piccolo', priceCents: 400 } },
      { name: 'inventoryItem.save', args: { itemId: beans, name: 'Piccolo beans', unit: 'g', lowStockThreshold: 0 } },
      { name: 'inventoryItem.save', args: { itemId: oatMilk, name: 'Piccolo oat milk', unit: 'ml', lowStockThreshold: 0 } },
      { name: 'inventoryItem.save', args: { itemId: cup, name: 'Piccolo cups', unit: 'each', lowStockThreshold: 0 } },
      { name: 'modifierGroup.save', args: { groupId, name: 'Piccolo milk', minSelect: 1, maxSelect: 1 } },
      { name: 'modifier.save', args: { modifierId: whole, groupId, name: 'Whole', isDefault: true } },
      { name: 'modifier.save', args: { modifierId: oat, groupId, name: 'Oat', priceDeltaCents: 60, sort: 1 } },
      { name: 'product.setModifierGroups', args: { productId, groupIds: [groupId] } },
      { name: 'recipe.set', args: { productId, lines: [{ lineId: l1, itemId: beans, quantity: 18 }, { lineId: l2, itemId: cup, quantity: 1 }] } },
      { name: 'recipe.set', args: { modifierId: oat, lines: [{ lineId: l3, itemId: oatMilk, quantity: 60 }] } },
    ]);
    expect(r.status, r.text).toBe(200);
    const cat = async () => (await mgr.get(`/api/manager/catalog?locationId=${cafeId}`)).json;
    let c = await cat();
    expect(c.products.find((p: any) => p.id === productId).groupIds).toEqual([groupId]);
    expect(c.modifierGroups.find((g: any) => g.id === groupId)).toMatchObject({ name: 'Piccolo milk', minSelect: 1, maxSelect: 1, modifiers: [{ id: whole, name: 'Whole', isDefault: true, priceDeltaCents: 0 }, { id: oat, name: 'Oat', priceDeltaCents: 60 }] });
    expect(c.recipeLines.filter((l: any) => l.productId === productId || l.modifierId === oat).map((l: any) => [l.itemId, l.quantity]).sort()).toEqual([[beans, 18], [cup, 1], [oatMilk, 60]].sort());

    // a tablet sells two oat piccolos at the menu price: the product's and the option's recipes both come off stock
    const staffId = staff.barista;
    const sale = await push(till, [{ name: 'order.create', args: { orderId: id(), number: orderNumber(till.code, 9001), items: [{ id: id(), productId, quantity: 2, unitPriceCents: 460, modifierIds: [oat] }] }, staffId }]);
    expect(sale[0].status).toBe('applied');
    c = await cat();
    const level = (item: string) => c.inventory.find((i: any) => i.id === item).quantity;
    expect([level(beans), level(cup), level(oatMilk)]).toEqual([-36, -2, -120]);
    // 400 + 60 for the oat option is the menu price: no price difference to look at
    expect((await inbox(mgr, '?kind=price_difference')).map((i: any) => i.summary).join()).not.toContain(orderNumber(till.code, 9001));

    // the recipe saved whole again without the cup: that line is taken off, and a tablet's pull says so
    const tablet = await client(app.url).post('/api/sync/pull', { clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${cafe.token}` });
    const cookie = tablet.json.cookie;
    expect((await run(cafeId, [{ name: 'recipe.set', args: { productId, lines: [{ lineId: l1, itemId: beans, quantity: 20 }] } }, { name: 'product.setModifierGroups', args: { productId, groupIds: [] } }])).status).toBe(200);
    const next = await client(app.url).post('/api/sync/pull', { clientId: id(), cookie, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${cafe.token}` });
    expect(next.json.patch).toEqual(expect.arrayContaining([{ op: 'del', table: 'recipe_lines', id: l2 }, expect.objectContaining({ op: 'put', table: 'recipe_lines', row: expect.objectContaining({ id: l1, quantity: 20 }) }), expect.objectContaining({ op: 'del', table: 'product_modifier_groups' })]));
    c = await cat();
    expect(c.products.find((p: any) => p.id === productId).groupIds).toEqual([]);
    // and put back: the same link is live again
    expect((await run(cafeId, [{ name: 'product.setModifierGroups', args: { productId, groupIds: [groupId] } }])).status).toBe(200);
    expect((await cat()).products.find((p: any) => p.id === productId).groupIds).toEqual([groupId]);

    // bad edits are refused whole and write nothing
    const studioItem = id();
    expect((await run(app.seed.studioLocationId, [{ name: 'inventoryItem.save', args: { itemId: studioItem, name: 'Studio towels', unit: 'each', lowStockThreshold: 0 } }])).status).toBe(200);
    const refusals = [
      [{ name: 'recipe.set', args: { productId, lines: [{ lineId: l4, itemId: studioItem, quantity: 1 }] } }, 404],
      [{ name: 'recipe.set', args: { productId, modifierId: oat, lines: [] } }, 400],
      [{ name: 'recipe.set', args: { productId, lines: [{ lineId: l4, itemId: beans, quantity: 0 }] } }, 400],
      [{ name: 'recipe.set', args: { modifierId: oat, lines: [{ lineId: l1, itemId: beans, quantity: 5 }] } }, 409],
      [{ name: 'modifierGroup.save', args: { groupId, name: 'Piccolo milk', minSelect: 3, maxSelect: 1 } }, 400],
      [{ name: 'modifier.save', args: { modifierId: id(), groupId: id(), name: 'Nowhere' } }, 404],
      [{ name: 'product.setModifierGroups', args: { productId, groupIds: [groupId, groupId] } }, 400],
    ] as const;
    for (const [m, status] of refusals) {
      const res = await run(cafeId, [{ name: 'recipe.set', args: { productId, lines: [] } }, m]);
      expect(res.status, JSON.stringify(m)).toBe(status);
      expect(res.json.error.message.length).toBeGreaterThan(10);
    }
    c = await cat();
    expect(c.recipeLines.filter((l: any) => l.productId === productId).map((l: any) => [l.id, l.quantity])).toEqual([[l1, 20]]);
    expect(c.modifierGroups.find((g: any) => g.id === groupId)).toMatchObject({ minSelect: 1, maxSelect: 1 });
    // a barista's tablet cannot change a recipe
    const tabletTry = await push(cafe, [{ name: 'recipe.set', args: { productId, lines: [] }, staffId: staff.barista }]);
    expect(tabletTry[0]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });

  it('people and plans: staff with roles and a PIN, a new plan, two member records merged', async () => {
    const cafeId = app.seed.cafeLocationId;
    const studioId = app.seed.studioLocationId;
    const run = (c: ReturnType<typeof client>, locationId: string, mutations: unknown[]) => c.post('/api/manager/run', { locationId, mutations });
    const newBarista = id();
    const pin = await hashPin('5678', 10_000);
    const r = await run(mgr, cafeId, [
      { name: 'staff.save', args: { staffId: newBarista, name: 'Nico New', role: 'barista', locationIds: [cafeId] } },
      { name: 'staff.setPin', args: { staffId: newBarista, pinHash: pin.pin_hash, pinSalt: pin.pin_salt, pinIterations: pin.pin_iterations } },
      { name: 'plan.save', args: { planId: id(), name: '20-class pack', kind: 'pack', credits: 20, durationDays: 365, priceCents: 34_000 } },
    ]);
    expect(r.status, r.text).toBe(200);
    const pulled = (await client(app.url).post('/api/sync/pull', { clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${cafe.token}` })).json.patch;
    const row = pulled.find((p: any) => p.table === 'staff' && p.row.id === newBarista)?.row;
    expect(row).toMatchObject({ name: 'Nico New', role: 'barista' });
    expect(await verifyPin('5678', row)).toBe(true); // the tablet can check the new PIN offline
    expect(pulled.some((p: any) => p.table === 'staff_locations' && p.row.staff_id === newBarista && p.row.location_id === cafeId)).toBe(true);
    expect(pulled.some((p: any) => p.table === 'plans' && p.row.name === '20-class pack')).toBe(true);
    // only an owner makes a manager; a manager of one location cannot merge the whole business's members
    const promoted = await run(cafeOnly, cafeId, [{ name: 'staff.save', args: { staffId: newBarista, name: 'Nico New', role: 'manager', locationIds: [cafeId] } }]);
    expect([403, 400]).toContain(promoted.status);
    expect(promoted.json.error.code === 'FORBIDDEN' || promoted.json.error.code === 'VALIDATION_FAILED').toBe(true);
    expect(await withDb(async (q) => (await q(`select role from public.staff where id = $1`, [newBarista]))[0].role)).toBe('barista');

    // two desks each added the same walk-in while offline
    const twin = snap.customers.find((c) => c.name === 'Hannah Goldberg');
    const dupe = id();
    const dupeBooking = id();
    await push(studio, [
      { name: 'customer.create', args: { customerId: dupe, name: 'Hannah Goldberg', phone: '+1 646-555-0000' }, staffId: staff.front_desk },
      { name: 'booking.checkIn', args: { bookingId: dupeBooking, sessionId: snap.class_sessions.find((s) => s.capacity !== 3 && !s.cancelled && Date.parse(s.starts_at) > Date.now() + 86_400_000).id, customerId: dupe }, staffId: staff.front_desk },
    ]);
    expect((await run(cafeOnly, cafeId, [{ name: 'customer.merge', args: { fromCustomerId: dupe, intoCustomerId: twin.id } }])).status).toBe(403);
    expect((await run(mgr, studioId, [{ name: 'customer.merge', args: { fromCustomerId: dupe, intoCustomerId: twin.id } }])).status).toBe(200);
    await withDb(async (q) => {
      expect((await q(`select customer_id from public.bookings where id = $1`, [dupeBooking]))[0].customer_id).toBe(twin.id);
      expect((await q(`select deleted from public.customers where id = $1`, [dupe]))[0].deleted).toBe(true);
      expect(await q(`select 1 from public.bookings where customer_id = $1`, [dupe])).toEqual([]);
      const audits = await q(`select action from public.audit_log where action in ('staff.save', 'staff.setPin', 'plan.save', 'customer.merge') order by action`);
      expect(audits.map((a) => a.action)).toEqual(['customer.merge', 'plan.save', 'staff.save', 'staff.setPin']);
    });
  });

  it('a member’s passes: credits given back and an expiry extended, audited; a desk sees it; bad corrections write nothing', async () => {
    const studioId = app.seed.studioLocationId;
    const zoe = snap.customers.find((c) => c.name === 'Zoë Müller');
    const unl = snap.customers.find((c) => c.name === 'Siobhán Ó Briain');
    const passes = async (who: string, c = mgr) => c.get(`/api/manager/passes?locationId=${studioId}&customerId=${who}`);
    const [pack] = (await passes(zoe.id)).json.passes;
    expect(pack).toMatchObject({ planName: '10-class pack', creditsTotal: 10, soldAtLocation: 'Demo Studio' });
    const [unlimited] = (await passes(unl.id)).json.passes;
    expect(unlimited).toMatchObject({ creditsTotal: null, creditsLeft: null });
    const entryId = id();
    const until = new Date(Date.parse(pack.expiresAt) + 30 * 86_400_000).toISOString();
    const run = (mutations: unknown[], c = mgr) => c.post('/api/manager/run', { locationId: studioId, mutations });
    const r = await run([{ name: 'pass.adjust', args: { passId: pack.id, entryId, credits: 2, expiresAt: until, note: 'Class cancelled by the studio' } }]);
    expect(r.status, r.text).toBe(200);
    const after = (await passes(zoe.id)).json.passes[0];
    expect(after.creditsLeft).toBe(pack.creditsLeft + 2);
    expect(new Date(after.expiresAt).toISOString()).toBe(until);
    // the same correction sent again (a lost response) adds nothing
    expect((await run([{ name: 'pass.adjust', args: { passId: pack.id, entryId, credits: 2 } }])).status).toBe(200);
    expect((await passes(zoe.id)).json.passes[0].creditsLeft).toBe(pack.creditsLeft + 2);
    // a desk's pull has the ledger entry
    const pulled = await client(app.url).post('/api/sync/pull', { clientId: id(), cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${studio.token}` });
    expect(pulled.json.patch.filter((p: any) => p.table === 'credit_ledger' && p.row.id === entryId).map((p: any) => [p.row.reason, p.row.delta])).toEqual([['adjust', 2]]);

    const refused = [
      [{ passId: unlimited.id, entryId: id(), credits: 1 }, 400],
      [{ passId: pack.id, entryId: id(), expiresAt: '2001-01-01T00:00:00.000Z' }, 400],
      [{ passId: pack.id, entryId: id() }, 400],
      [{ passId: id(), entryId: id(), credits: 1 }, 404],
    ] as const;
    for (const [args, status] of refused) {
      const res = await run([{ name: 'pass.adjust', args }]);
      expect(res.status, JSON.stringify(args)).toBe(status);
    }
    expect((await passes(zoe.id)).json.passes[0]).toMatchObject({ creditsLeft: pack.creditsLeft + 2, expiresAt: after.expiresAt });
    expect((await passes(zoe.id, cafeOnly)).status).toBe(403);
    expect((await run([{ name: 'pass.adjust', args: { passId: pack.id, entryId: id(), credits: 5 } }], cafeOnly)).status).toBe(403);
    const tabletTry = await push(studio, [{ name: 'pass.adjust', args: { passId: pack.id, entryId: id(), credits: 5 }, staffId: staff.front_desk }]);
    expect(tabletTry[0]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    await withDb(async (q) => {
      expect(await q(`select count(*)::int as n from public.audit_log where action = 'pass.adjust'`)).toEqual([{ n: 2 }]);
    });
  });

  it('the day report equals the ledgers, and is provisional until the last tablet has synced', async () => {
    const b = staff.barista;
    const latte = product('Latte');
    const o = (n: number, qty: number) => ({ orderId: id(), number: orderNumber(till.code, n), items: [{ id: id(), productId: latte.id, quantity: qty, unitPriceCents: latte.price_cents, modifierIds: [] }] });
    const [o1, o2, o3, o4] = [o(1, 1), o(2, 2), o(3, 3), o(4, 1)];
    const drawer = id();
    const tot = (q: number) => q * latte.price_cents + Math.floor((q * latte.price_cents * 875 * 2 + 10_000) / 20_000);
    await push(till, [
      { name: 'drawer.open', args: { drawerSessionId: drawer, openingFloatCents: 5_000 }, staffId: b },
      { name: 'order.create', args: o1, staffId: b },
      { name: 'order.payCash', args: { orderId: o1.orderId, paymentId: id(), amountCents: tot(1), tenderedCents: 1_000 }, staffId: b },
      { name: 'order.create', args: o2, staffId: b },
      { name: 'order.create', args: o3, staffId: b },
      { name: 'order.payCash', args: { orderId: o3.orderId, paymentId: id(), amountCents: tot(3), tenderedCents: 5_000 }, staffId: b },
      { name: 'order.create', args: o4, staffId: b },
      { name: 'order.void', args: { orderId: o4.orderId, reason: 'spilled' }, staffId: staff.manager },
      { name: 'drawer.close', args: { drawerSessionId: drawer, countedCents: 5_000 + tot(1) + tot(3) - 200 }, staffId: b },
    ]);
    // a card payment with a tip and a refund, as the payments webhook and the console record them;
    // then everything of the till moves to yesterday, so the day is over
    const yesterday = await withDb(async (q) => {
      const cardId = id();
      await q(`insert into public.payments (id, location_id, order_id, method, amount_cents, tip_cents, status, stripe_payment_intent_id, device_id)
               values ($1, $2, $3, 'card', $4, 150, 'succeeded', 'pi_test_report', $5)`, [cardId, app.seed.cafeLocationId, o2.orderId, tot(2), till.deviceId]);
      await q(`update public.orders set payment_status = 'paid', tip_cents = 150 where id = $1`, [o2.orderId]);
      await q(`insert into public.refunds (id, location_id, payment_id, amount_cents, status) values (gen_random_uuid(), $1, $2, 300, 'succeeded')`, [app.seed.cafeLocationId, cardId]);
      const mine = [o1, o2, o3, o4].map((x) => x.orderId);
      await q(`update public.orders set created_at = created_at - interval '1 day', voided_at = voided_at - interval '1 day' where id = any($1)`, [mine]);
      await q(`update public.payments set created_at = created_at - interval '1 day' where order_id = any($1)`, [mine]);
      await q(`update public.refunds set created_at = created_at - interval '1 day' where payment_id = $1`, [cardId]);
      await q(`update public.drawer_sessions set opened_at = opened_at - interval '1 day', closed_at = closed_at - interval '1 day' where id = $1`, [drawer]);
      // every tablet of the café was last heard from yesterday, except the till, still behind
      await q(`update public.devices set created_at = now() - interval '3 days', last_seen_at = now() - interval '2 days' where location_id = $1`, [app.seed.cafeLocationId]);
      await q(`update public.sync_clients set last_seen_at = now() - interval '2 days' where location_id = $1`, [app.seed.cafeLocationId]);
      const [d] = await q(`select ((now() at time zone 'America/New_York')::date - 1)::text as d`);
      return d.d as string;
    });

    const r1 = (await mgr.get(`/api/manager/report?locationId=${app.seed.cafeLocationId}&day=${yesterday}`)).json;
    expect(r1.final).toBe(false);
    expect(r1.devicesBehind.map((d: any) => d.name).sort()).toEqual(['Counter', 'Till']);

    // the figures, summed here from the raw ledger rows of that day
    const ledgers = await withDb(async (q) => {
      const range = `created_at >= (($1::date)::timestamp at time zone 'America/New_York') and created_at < (($1::date + 1)::timestamp at time zone 'America/New_York') and location_id = $2`;
      return {
        orders: await q(`select * from public.orders where ${range}`, [yesterday, app.seed.cafeLocationId]),
        payments: await q(`select * from public.payments where ${range}`, [yesterday, app.seed.cafeLocationId]),
        refunds: await q(`select * from public.refunds where ${range}`, [yesterday, app.seed.cafeLocationId]),
      };
    });
    const sum = (xs: any[], f: string) => xs.reduce((s, x) => s + Number(x[f]), 0);
    const kept = ledgers.orders.filter((x) => x.status !== 'voided');
    expect(r1.orders).toEqual({ count: kept.length, subtotal: sum(kept, 'subtotal_cents'), discount: sum(kept, 'discount_cents'), tax: sum(kept, 'tax_cents'), tips: sum(kept, 'tip_cents'), total: sum(kept, 'total_cents') });
    expect(r1.orders.count).toBe(3);
    expect(r1.voids).toEqual({ count: 1, total: tot(1) });
    const cash = ledgers.payments.filter((p) => p.method === 'cash');
    const card = ledgers.payments.filter((p) => p.method === 'card');
    expect(r1.tenders).toEqual([
      { method: 'card', count: card.length, amount: sum(card, 'amount_cents'), tips: sum(card, 'tip_cents') },
      { method: 'cash', count: cash.length, amount: sum(cash, 'amount_cents'), tips: 0 },
    ]);
    expect(r1.refunds).toEqual([{ method: 'card', count: 1, amount: sum(ledgers.refunds, 'amount_cents') }]);
    expect(r1.totals).toEqual({ taken: sum(ledgers.payments, 'amount_cents'), refunded: 300, net: sum(ledgers.payments, 'amount_cents') - 300 });
    expect(r1.items).toEqual([{ name: 'Latte', quantity: 6, total: 6 * latte.price_cents }]);
    expect(r1.drawers).toEqual([expect.objectContaining({ id: drawer, status: 'closed', expected: 5_000 + tot(1) + tot(3), variance: -200 })]);

    // both café tablets sync (a push, or a token refresh): the report is final
    await push(till, [{ name: 'product.setSoldOut', args: { productId: latte.id, soldOut: false }, staffId: b }]);
    expect((await mgr.get(`/api/manager/report?locationId=${app.seed.cafeLocationId}&day=${yesterday}`)).json.devicesBehind.map((d: any) => d.name)).toEqual(['Counter']);
    await client(app.url).post('/api/devices/token', await (async () => {
      const d = (await mgr.post('/api/devices', { locationId: app.seed.cafeLocationId, name: 'unused' })).json; // a device made today is not "behind" for yesterday
      return { deviceId: d.deviceId, credential: d.credential };
    })());
    // the counter only pulls (nothing to send): that is contact too
    expect((await client(app.url).post('/api/sync/pull', { clientId: cafe.clientId, cookie: null, schemaVersion: SCHEMA_VERSION }, { authorization: `Bearer ${cafe.token}` })).status).toBe(200);
    const r2 = (await mgr.get(`/api/manager/report?locationId=${app.seed.cafeLocationId}&day=${yesterday}`)).json;
    expect(r2.devicesBehind).toEqual([]);
    expect(r2.final).toBe(true);
    expect(r2.orders).toEqual(r1.orders);

    const csv = await mgr.get(`/api/manager/export?locationId=${app.seed.cafeLocationId}&day=${yesterday}&what=orders`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.trim().split('\r\n')).toHaveLength(1 + 4);
    expect(csv.text.split('\r\n')[0]).toContain('number,created_at,status,payment_status');
  });
});
