// Card payments (issue #6) over HTTP against the built server, on each engine: the real
// `stripe` SDK aimed at the local Stripe stand-in (tests/fixtures/stripe-stand-in.ts),
// webhook signatures made with the SDK's own test-header helper; and the demo gateway
// when no Stripe keys are set. Tablets read the results back through the normal pull.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { SCHEMA_VERSION } from '../../src/shared/sync/protocol.ts';
import { confirmResponseSchema, intentResponseSchema, refundResponseSchema } from '../../src/shared/domain/payments.ts';
import { errorEnvelopeSchema } from '../../src/shared/errors.ts';
import { client, countRows, startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import { engines } from '../fixtures/engines.ts';
import { startStripeStandIn, STAND_IN_WEBHOOK_SECRET, type StripeStandIn } from '../fixtures/stripe-stand-in.ts';

type Row = Record<string, any>;

/** A tablet: its token, a client id with its own mutation counter, and the rows it has pulled. */
function tablet(app: AppServer, token: string, code: string) {
  const c = client(app.url);
  const auth = { authorization: `Bearer ${token}` };
  const clientId = crypto.randomUUID();
  let mutationId = 0;
  let seq = 0;
  let cookie: string | null = null;
  const rows = new Map<string, Map<string, Row>>();
  const t = {
    auth,
    c,
    rows: (table: string) => [...(rows.get(table)?.values() ?? [])],
    row: (table: string, id: string) => rows.get(table)?.get(id),
    async pull() {
      for (;;) {
        const r = await c.post('/api/sync/pull', { clientId, cookie, schemaVersion: SCHEMA_VERSION }, auth);
        expect(r.status, r.text).toBe(200);
        for (const p of r.json.patch) {
          if (p.op === 'clear') rows.clear();
          else if (p.op === 'put') {
            if (!rows.has(p.table)) rows.set(p.table, new Map());
            rows.get(p.table)!.set(p.row.id, p.row);
          } else rows.get(p.table)?.delete(p.id);
        }
        cookie = r.json.cookie;
        if (!r.json.more) return cookie;
      }
    },
    async push(name: string, args: unknown, staffId: string) {
      mutationId += 1;
      const r = await c.post('/api/sync/push', { clientId, schemaVersion: SCHEMA_VERSION, mutations: [{ id: mutationId, name, args, staffId, clientTime: new Date().toISOString() }] }, auth);
      expect(r.status, r.text).toBe(200);
      expect(r.json.results[0].status, JSON.stringify(r.json.results[0])).toBe('applied');
    },
    /** Rings up one line and pushes it; returns the order as the server recorded it. */
    async ringUp(productId: string, staffId: string, unitPriceCents = 1234, quantity = 1) {
      const orderId = crypto.randomUUID();
      seq += 1;
      await t.push('order.create', { orderId, number: `${code}-${String(seq).padStart(4, '0')}`, items: [{ id: crypto.randomUUID(), productId, quantity, unitPriceCents, modifierIds: [] }] }, staffId);
      await t.pull();
      return t.row('orders', orderId)!;
    },
    post: (path: string, body?: unknown) => c.post(path, body, auth),
  };
  return t;
}

async function setup(app: AppServer) {
  const manager = client(app.url);
  expect((await manager.post('/api/auth/signin', { email: DEMO_MANAGER_EMAIL, password: TEST_PASSWORD })).status).toBe(200);
  const register = async (locationId: string, name: string) => {
    const d = (await manager.post('/api/devices', { locationId, name })).json;
    const tok = (await client(app.url).post('/api/devices/token', { deviceId: d.deviceId, credential: d.credential })).json;
    const tab = tablet(app, tok.accessToken, d.code);
    return Object.assign(tab, { deviceId: d.deviceId as string });
  };
  const bar = await register(app.seed.cafeLocationId, 'Bar');
  const till = await register(app.seed.cafeLocationId, 'Till');
  const studio = await register(app.seed.studioLocationId, 'Studio door');
  await bar.pull();
  const productId = bar.rows('products').find((p) => p.active && !p.deleted)!.id as string;
  const baristaId = bar.rows('staff').find((s) => s.role === 'barista')!.id as string;
  return { manager, bar, till, studio, productId, baristaId };
}

/** Row counts of every table; PGlite is opened only while its server is stopped. */
async function counts(app: AppServer) {
  if (app.engine === 'pglite') await app.stop();
  const db = await app.openDb();
  try {
    return await countRows(db);
  } finally {
    await db.close();
    if (app.engine === 'pglite') await app.start();
  }
}

function expectEnvelope(r: { status: number; json: any }, status: number, code: string) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(errorEnvelopeSchema.parse(r.json).error.code).toBe(code);
}

describe.each(engines())('card payments through Stripe (stand-in) on $name', ({ name }) => {
  let stripe: StripeStandIn;
  let app: AppServer;
  let w: Awaited<ReturnType<typeof setup>>;

  const webhook = async (payload: string, header?: string) =>
    client(app.url).post('/api/webhooks/stripe', payload, {
      'content-type': 'application/json',
      ...(header === undefined ? { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: STAND_IN_WEBHOOK_SECRET }) } : header ? { 'stripe-signature': header } : {}),
    });
  const send = (type: string, object: unknown, eventId?: string) => {
    const e = stripe.event(type, object, eventId);
    return webhook(e.payload).then((r) => ({ ...r, eventId: e.id, payload: e.payload }));
  };
  const paymentsOf = (orderId: string) => w.bar.rows('payments').filter((p) => p.order_id === orderId);

  beforeAll(async () => {
    stripe = await startStripeStandIn();
    app = await startAppServer(name, stripe.env);
    w = await setup(app);
  });
  afterAll(async () => {
    await app?.destroy();
    await stripe?.close();
  });

  it('makes the intent for what the server says the order owes, whatever the tablet sends; the same attempt returns the first', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1234, 2);
    expect(order.total_cents).toBeGreaterThan(2468 - 1);
    const tooMuch = await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: order.total_cents + 1 });
    expectEnvelope(tooMuch, 409, 'CONFLICT');
    expect(tooMuch.json.error.details.balanceCents).toBe(order.total_cents);
    expectEnvelope(await w.bar.post('/api/payments/intents', { orderId: order.id, amount: 1 }), 400, 'VALIDATION_FAILED');
    expect(stripe.intents.size).toBe(0);

    const first = await w.bar.post('/api/payments/intents', { orderId: order.id });
    expect(first.status, first.text).toBe(200);
    const body = intentResponseSchema.parse(first.json);
    expect(body).toMatchObject({ amountCents: order.total_cents, currency: 'usd', status: 'requires_payment_method', demo: false });
    const pi = stripe.intents.get(body.intentId)!;
    expect(pi.amount).toBe(order.total_cents);
    expect(pi.allowed_payment_method_types).toEqual(['card_present']);
    expect(pi.metadata).toMatchObject({ order_id: order.id, location_id: app.seed.cafeLocationId, device_id: w.bar.deviceId });
    expect(body.clientSecret).toBe(pi.client_secret);
    const creates = stripe.requests.filter((r) => r.path === '/v1/payment_intents' && r.method === 'POST');
    expect(creates.at(-1)!.idempotencyKey).toBe(`tandem-order-${order.id}-attempt-1`);

    // A retry of attempt 1 (even asking for a different part) gets the same intent; no new one is made.
    const again = await w.till.post('/api/payments/intents', { orderId: order.id, amountCents: 100, attempt: 1 });
    expect(again.json.intentId).toBe(body.intentId);
    expect(again.json.amountCents).toBe(order.total_cents);
    expect(stripe.intents.size).toBe(1);

    // Split tender: attempt 2 for part of it is allowed; attempt 1, still open, is cancelled first.
    const part = await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: 500, attempt: 2 });
    expect(part.json.amountCents).toBe(500);
    expect(stripe.intents.get(body.intentId)!.status).toBe('canceled');
  });

  it('refuses an order the server has not got, or another location’s, with a 404 that says to sync', async () => {
    const missing = await w.bar.post('/api/payments/intents', { orderId: crypto.randomUUID() });
    expectEnvelope(missing, 404, 'NOT_FOUND');
    expect(missing.json.error.details.reason).toBe('order_not_synced');
    const order = await w.bar.ringUp(w.productId, w.baristaId);
    const other = await w.studio.post('/api/payments/intents', { orderId: order.id });
    expectEnvelope(other, 404, 'NOT_FOUND');
    const mine = await w.bar.post('/api/payments/intents', { orderId: order.id });
    expectEnvelope(await w.studio.post(`/api/payments/intents/${mine.json.intentId}/confirm`), 404, 'NOT_FOUND');
    expectEnvelope(await client(app.url).post('/api/payments/intents', { orderId: order.id }), 401, 'UNAUTHENTICATED');
    expectEnvelope(await w.manager.post('/api/payments/intents', { orderId: order.id }), 403, 'FORBIDDEN');
  });

  it('confirms by asking Stripe, records the payment once with the tip, and the tablet pulls it', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 850);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id, staffId: w.baristaId })).json;
    // The tablet claims success before the reader did anything: the server asks Stripe.
    const early = confirmResponseSchema.parse((await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).json);
    expect(early).toMatchObject({ status: 'requires_payment_method', paymentId: null, balanceCents: order.total_cents });

    stripe.present(intentId, { tipCents: 150 });
    const ok = confirmResponseSchema.parse((await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).json);
    expect(ok).toMatchObject({ status: 'succeeded', amountCents: order.total_cents, tipCents: 150, balanceCents: 0 });
    const twice = (await w.till.post(`/api/payments/intents/${intentId}/confirm`)).json;
    expect(twice.paymentId).toBe(ok.paymentId);

    await w.bar.pull();
    expect(paymentsOf(order.id)).toEqual([
      expect.objectContaining({ id: ok.paymentId, method: 'card', amount_cents: order.total_cents, tip_cents: 150, stripe_payment_intent_id: intentId, status: 'succeeded', staff_id: w.baristaId }),
    ]);
    expect(w.bar.row('orders', order.id)).toMatchObject({ payment_status: 'paid', tip_cents: 150 });
    expectEnvelope(await w.bar.post('/api/payments/intents', { orderId: order.id, attempt: 2 }), 409, 'CONFLICT');
    // A customer cannot "walk away" from a payment that went through.
    expectEnvelope(await w.bar.post(`/api/payments/intents/${intentId}/cancel`), 409, 'CONFLICT');
  });

  it('captures an intent that waits for capture when the tablet confirms', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 600);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    stripe.present(intentId, { requireCapture: true });
    const r = (await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).json;
    expect(r.status).toBe('succeeded');
    expect(stripe.intents.get(intentId)!.status).toBe('succeeded');
    expect(stripe.requests.some((q) => q.path === `/v1/payment_intents/${intentId}/capture`)).toBe(true);
  });

  it('cancels for a customer who walks away, and shows a decline with Stripe’s message', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 700);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    stripe.present(intentId, { decline: 'insufficient_funds' });
    const declined = (await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).json;
    expect(declined).toMatchObject({ status: 'requires_payment_method', paymentId: null, declineMessage: 'Your card has insufficient funds.' });
    expect((await w.bar.post(`/api/payments/intents/${intentId}/cancel`)).json).toEqual({ status: 'canceled' });
    expect((await w.bar.post(`/api/payments/intents/${intentId}/cancel`)).json).toEqual({ status: 'canceled' });
    expect(stripe.intents.get(intentId)!.status).toBe('canceled');
  });

  it('a tablet that never confirms: the webhook marks the order paid, once, however often it comes', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 925);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    const pi = stripe.present(intentId, { tipCents: 75 });
    const first = await send('payment_intent.succeeded', pi);
    expect(first.status, first.text).toBe(200);
    expect(first.json).toMatchObject({ received: true, applied: true });
    const again = await webhook(first.payload);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ applied: false, duplicate: true });
    // The tablet comes back late and confirms: still one payment.
    await w.bar.post(`/api/payments/intents/${intentId}/confirm`);
    await w.bar.pull();
    expect(paymentsOf(order.id)).toHaveLength(1);
    expect(paymentsOf(order.id)[0]).toMatchObject({ amount_cents: order.total_cents, tip_cents: 75 });
    expect(w.bar.row('orders', order.id)).toMatchObject({ payment_status: 'paid', tip_cents: 75 });
  });

  it('takes events in any order: succeeded first, then created, then a stale failure — one payment, nothing left to do', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1010);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    const declinedSnapshot = JSON.parse(JSON.stringify(stripe.present(intentId, { decline: 'generic_decline' })));
    stripe.intents.get(intentId)!.last_payment_error = null;
    const pi = stripe.present(intentId);
    const created = { ...pi, status: 'requires_payment_method', amount_received: 0 };
    expect((await send('payment_intent.succeeded', pi)).json.applied).toBe(true);
    expect((await send('payment_intent.created', created)).json).toMatchObject({ received: true, applied: false });
    expect((await send('payment_intent.payment_failed', declinedSnapshot)).json.applied).toBe(true);
    // A different event about the same success (Stripe retried under a new id) adds nothing either.
    expect((await send('payment_intent.succeeded', pi)).status).toBe(200);
    await w.bar.pull();
    expect(paymentsOf(order.id)).toHaveLength(1);
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('paid');
    expect(w.bar.rows('reconciliation_items').filter((i) => i.order_id === order.id && i.kind === 'failed_card_payment' && i.status === 'open')).toEqual([]);
  });

  it('files a failed card payment on an order still owing, and a card payment without an order', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1111);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    const declined = stripe.present(intentId, { decline: 'insufficient_funds' });
    const failed = await send('payment_intent.payment_failed', declined);
    expect(failed.status).toBe(200);
    await send('payment_intent.payment_failed', declined, failed.eventId); // delivered twice
    const orphanOrder = crypto.randomUUID();
    const foreign = stripe.createForeignIntent(4200, { order_id: orphanOrder, location_id: app.seed.cafeLocationId });
    stripe.present(foreign.id);
    expect((await send('payment_intent.succeeded', stripe.intents.get(foreign.id))).status).toBe(200);
    await w.bar.pull();
    const items = w.bar.rows('reconciliation_items');
    expect(items.filter((i) => i.kind === 'failed_card_payment' && i.order_id === order.id)).toHaveLength(1);
    expect(items.filter((i) => i.kind === 'orphan_card_payment' && i.details.paymentIntentId === foreign.id)).toHaveLength(1);
    expect(w.bar.rows('payments').some((p) => p.stripe_payment_intent_id === foreign.id)).toBe(false);
  });

  it('refunds from the inbox: the whole of a card payment without an order, the extra on an order paid twice; once, audited', async () => {
    // a payment Stripe took for an order this server never got
    const foreign = stripe.createForeignIntent(3100, { order_id: crypto.randomUUID(), location_id: app.seed.cafeLocationId });
    stripe.present(foreign.id);
    expect((await send('payment_intent.succeeded', stripe.intents.get(foreign.id))).status).toBe(200);
    // an order paid in cash at the till while the card reader also took it
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1500);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    await w.bar.push('order.payCash', { orderId: order.id, paymentId: crypto.randomUUID(), amountCents: order.total_cents, tenderedCents: order.total_cents }, w.baristaId);
    stripe.present(intentId);
    expect((await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).status).toBe(200);

    const inbox = async () => (await w.manager.get('/api/manager/inbox?kind=orphan_card_payment&status=all')).json.items as Row[];
    const noOrder = (await inbox()).find((i) => i.details.paymentIntentId === foreign.id)!;
    const twice = (await inbox()).find((i) => i.details.paymentIntentId === intentId)!;
    expect(noOrder.actions).toEqual(['refund', 'accept', 'dismiss']);
    expect(twice.details).toMatchObject({ amountCents: order.total_cents, owedCents: 0 });

    // bad input and the wrong kind are refused, and nothing moves at Stripe
    expectEnvelope(await w.manager.post(`/api/manager/inbox/${noOrder.id}`, { action: 'refund', amountCents: 1 }), 400, 'VALIDATION_FAILED');
    const declinedItem = (await w.manager.get('/api/manager/inbox?kind=failed_card_payment')).json.items[0];
    if (declinedItem) expectEnvelope(await w.manager.post(`/api/manager/inbox/${declinedItem.id}`, { action: 'refund' }), 400, 'VALIDATION_FAILED');
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === foreign.id || r.payment_intent === intentId)).toEqual([]);

    const a = await w.manager.post(`/api/manager/inbox/${noOrder.id}`, { action: 'refund', note: 'Customer charged for nothing' });
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ status: 'resolved', resolution: { action: 'refund', refundId: noOrder.id, amountCents: 3100, refundStatus: 'succeeded' } });
    const b = await w.manager.post(`/api/manager/inbox/${twice.id}`, { action: 'refund' });
    expect(b.status, b.text).toBe(200);
    expect(b.json.resolution).toMatchObject({ amountCents: order.total_cents, refundStatus: 'succeeded' });
    // pressed again: already resolved, and Stripe has one refund each
    expectEnvelope(await w.manager.post(`/api/manager/inbox/${noOrder.id}`, { action: 'refund' }), 409, 'CONFLICT');
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === foreign.id).map((r) => r.amount)).toEqual([3100]);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === intentId).map((r) => r.amount)).toEqual([order.total_cents]);

    // the ledger: the orderless payment that came in and went back; the order still paid by its cash
    await w.bar.pull();
    const inAndOut = w.bar.rows('payments').find((p) => p.stripe_payment_intent_id === foreign.id)!;
    expect(inAndOut).toMatchObject({ order_id: null, method: 'card', amount_cents: 3100, status: 'succeeded' });
    expect(w.bar.rows('refunds').filter((r) => r.payment_id === inAndOut.id).map((r) => [r.amount_cents, r.status])).toEqual([[3100, 'succeeded']]);
    const card = paymentsOf(order.id).find((p) => p.method === 'card')!;
    expect(w.bar.rows('refunds').filter((r) => r.payment_id === card.id).map((r) => r.amount_cents)).toEqual([order.total_cents]);
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('paid');
    if (app.engine === 'pglite') await app.stop();
    const db = await app.openDb();
    try {
      const audit = (await db.query(`select action, details->>'itemId' as item from public.audit_log where action = 'reconciliation.refund' order by created_at`)).rows;
      expect(audit).toEqual([{ action: 'reconciliation.refund', item: noOrder.id }, { action: 'reconciliation.refund', item: twice.id }]);
    } finally {
      await db.close();
      if (app.engine === 'pglite') await app.start();
    }
  });

  it('sells a pass by card at the desk: priced from the plan, made once on approval (confirm or webhook), nothing on a decline', async () => {
    await w.studio.pull();
    const plan = w.studio.rows('plans').find((p) => p.name === '5-class pack')!;
    const member = w.studio.rows('customers').find((c) => c.name === 'Olivia Bennett')!;
    const deskStaff = w.studio.rows('staff').find((s) => s.role === 'front_desk')!.id as string;
    const passId = crypto.randomUUID();
    const sale = { passId, planId: plan.id, customerId: member.id };
    const passRows = async () => {
      await w.studio.pull();
      return {
        passes: w.studio.rows('customer_passes').filter((p) => p.id === passId),
        credits: w.studio.rows('credit_ledger').filter((c) => c.pass_id === passId).map((c) => [c.reason, c.delta]),
        payments: w.studio.rows('payments').filter((p) => p.pass_id === passId).map((p) => [p.method, p.amount_cents, p.order_id]),
      };
    };
    // the desk cannot name its price; unknown plans and members are refused; nothing is made
    expectEnvelope(await w.studio.post('/api/payments/intents', { pass: sale, amountCents: 1 }), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.studio.post('/api/payments/intents', { pass: { ...sale, planId: crypto.randomUUID() } }), 404, 'NOT_FOUND');
    const ghost = await w.studio.post('/api/payments/intents', { pass: { ...sale, customerId: crypto.randomUUID() } });
    expectEnvelope(ghost, 404, 'NOT_FOUND');
    expect(ghost.json.error.details).toEqual({ reason: 'customer_not_synced' });

    // attempt 1 is declined: no pass, no payment
    const first = await w.studio.post('/api/payments/intents', { pass: sale, staffId: deskStaff });
    expect(first.status, first.text).toBe(200);
    expect(first.json).toMatchObject({ amountCents: plan.price_cents, currency: 'usd' });
    expect(stripe.intents.get(first.json.intentId)!.metadata).toMatchObject({ pass_id: passId, plan_id: plan.id, customer_id: member.id, location_id: app.seed.studioLocationId });
    stripe.present(first.json.intentId, { decline: 'insufficient_funds' });
    const declined = (await w.studio.post(`/api/payments/intents/${first.json.intentId}/confirm`)).json;
    expect(declined).toMatchObject({ status: 'requires_payment_method', paymentId: null, balanceCents: plan.price_cents, declineMessage: 'Your card has insufficient funds.' });
    expect(await passRows()).toEqual({ passes: [], credits: [], payments: [] });

    // attempt 2 is approved: the pass, its five credits and the card payment, once, even with the webhook twice
    const second = await w.studio.post('/api/payments/intents', { pass: sale, attempt: 2, staffId: deskStaff });
    expect(second.json.intentId).not.toBe(first.json.intentId);
    stripe.present(second.json.intentId);
    const paid = (await w.studio.post(`/api/payments/intents/${second.json.intentId}/confirm`)).json;
    expect(paid).toMatchObject({ status: 'succeeded', amountCents: plan.price_cents, balanceCents: 0 });
    const ev = await send('payment_intent.succeeded', stripe.intents.get(second.json.intentId));
    await send('payment_intent.succeeded', stripe.intents.get(second.json.intentId), ev.eventId);
    await send('payment_intent.succeeded', stripe.intents.get(second.json.intentId));
    const rows = await passRows();
    expect(rows.passes).toEqual([expect.objectContaining({ customer_id: member.id, plan_id: plan.id, credits_total: 5 })]);
    expect(rows.credits).toEqual([['purchase', 5]]);
    expect(rows.payments).toEqual([['card', plan.price_cents, null]]);
    expect(w.studio.rows('payments').find((p) => p.pass_id === passId)!.staff_id).toBe(deskStaff);
    // sold is sold
    expectEnvelope(await w.studio.post('/api/payments/intents', { pass: sale, attempt: 3 }), 409, 'CONFLICT');

    // a desk that dies after the reader approves: the webhook alone sells the pass
    const lost = { passId: crypto.randomUUID(), planId: plan.id, customerId: member.id };
    const third = await w.studio.post('/api/payments/intents', { pass: lost });
    stripe.present(third.json.intentId);
    expect((await send('payment_intent.succeeded', stripe.intents.get(third.json.intentId))).status).toBe(200);
    await w.studio.pull();
    expect(w.studio.rows('customer_passes').filter((p) => p.id === lost.passId)).toHaveLength(1);
    expect(w.studio.rows('payments').filter((p) => p.pass_id === lost.passId).map((p) => p.amount_cents)).toEqual([plan.price_cents]);
    // and its confirm, late, finds the same payment
    expect((await w.studio.post(`/api/payments/intents/${third.json.intentId}/confirm`)).json).toMatchObject({ status: 'succeeded', balanceCents: 0 });
    await w.studio.pull();
    expect(w.studio.rows('payments').filter((p) => p.pass_id === lost.passId)).toHaveLength(1);
  });

  it('refuses a forged, altered or stale signature with 400 and writes nothing; ignores an unknown event type', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1300);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    const pi = stripe.present(intentId);
    const e = stripe.event('payment_intent.succeeded', pi);
    const before = await counts(app);
    const forged = Stripe.webhooks.generateTestHeaderString({ payload: e.payload, secret: 'whsec_someone_else' });
    const stale = Stripe.webhooks.generateTestHeaderString({ payload: e.payload, secret: STAND_IN_WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 600 });
    const signed = Stripe.webhooks.generateTestHeaderString({ payload: e.payload, secret: STAND_IN_WEBHOOK_SECRET });
    expectEnvelope(await webhook(e.payload, forged), 400, 'VALIDATION_FAILED');
    expectEnvelope(await webhook(e.payload, stale), 400, 'VALIDATION_FAILED');
    expectEnvelope(await webhook(e.payload.replace(String(pi.amount_received), String(pi.amount_received + 1)), signed), 400, 'VALIDATION_FAILED');
    expectEnvelope(await webhook(e.payload, ''), 400, 'VALIDATION_FAILED');
    const unknown = await send('customer.created', { id: 'cus_123', object: 'customer' });
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ received: true, applied: false });
    expect(await counts(app)).toEqual(before);
    // The genuine event still goes through afterwards.
    expect((await webhook(e.payload, signed)).json.applied).toBe(true);
  });

  it('refunds a card payment partially then fully, never past what was paid; a failed refund is filed', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 2000);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    stripe.present(intentId, { tipCents: 200 });
    const paid = (await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).json;
    const total = order.total_cents + 200;
    const refund = (amountCents: number, refundId: string = crypto.randomUUID()) =>
      w.manager.post('/api/payments/refunds', { refundId, paymentId: paid.paymentId, amountCents, reason: 'Spilled' });

    const over = await refund(total + 1);
    expectEnvelope(over, 409, 'CONFLICT');
    expect(over.json.error.details.refundableCents).toBe(total);
    expectEnvelope(await w.bar.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: paid.paymentId, amountCents: 1 }), 403, 'FORBIDDEN');
    expectEnvelope(await client(app.url).post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: paid.paymentId, amountCents: 1 }), 401, 'UNAUTHENTICATED');

    const partialId = crypto.randomUUID();
    const partial = refundResponseSchema.parse((await refund(500, partialId)).json);
    expect(partial).toEqual({ refundId: partialId, status: 'succeeded', amountCents: 500, refundableCents: total - 500 });
    expect((await refund(500, partialId)).json).toEqual(partial); // the same refund sent twice
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === intentId)).toHaveLength(1);
    await w.bar.pull();
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('partially_refunded');

    const rest = (await refund(total - 500)).json;
    expect(rest).toMatchObject({ status: 'succeeded', refundableCents: 0 });
    expectEnvelope(await refund(1), 409, 'CONFLICT');
    // Stripe's charge.refunded arrives (twice): the ledger already has both refunds.
    const charge = { id: stripe.intents.get(intentId)!.latest_charge, object: 'charge', payment_intent: intentId, amount_refunded: total };
    const ev = await send('charge.refunded', charge);
    await send('charge.refunded', charge, ev.eventId);
    await w.bar.pull();
    const refunds = w.bar.rows('refunds').filter((r) => r.payment_id === paid.paymentId);
    expect(refunds.map((r) => r.amount_cents).sort((a, b) => a - b)).toEqual([500, total - 500].sort((a, b) => a - b));
    expect(refunds.every((r) => r.status === 'succeeded' && r.stripe_refund_id)).toBe(true);
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('refunded');

    // A refund Stripe accepts but that fails becomes a reconciliation item.
    const order2 = await w.bar.ringUp(w.productId, w.baristaId, 900);
    const i2 = (await w.bar.post('/api/payments/intents', { orderId: order2.id })).json.intentId;
    stripe.present(i2);
    const p2 = (await w.bar.post(`/api/payments/intents/${i2}/confirm`)).json;
    stripe.failNextRefund();
    const bad = (await w.manager.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: p2.paymentId, amountCents: 300 })).json;
    expect(bad).toMatchObject({ status: 'failed', refundableCents: order2.total_cents });
    await w.bar.pull();
    expect(w.bar.rows('reconciliation_items').filter((i) => i.kind === 'refund_failed' && i.order_id === order2.id)).toHaveLength(1);
  });

  it('brings refunds made in the Stripe dashboard, and refunds that fail later, into the ledger once', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1800);
    await w.bar.push('order.markPayLater', { orderId: order.id }, w.baristaId);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    stripe.present(intentId);
    const paid = (await w.bar.post(`/api/payments/intents/${intentId}/confirm`)).json;
    const dash = stripe.dashboardRefund(intentId, 300);
    const charge = { id: stripe.intents.get(intentId)!.latest_charge, object: 'charge', payment_intent: intentId, amount_refunded: 300 };
    expect((await send('charge.refunded', charge)).json.applied).toBe(true);
    expect((await send('charge.refunded', charge)).json.applied).toBe(true); // another event, same state
    await w.bar.pull();
    expect(w.bar.rows('refunds').filter((r) => r.payment_id === paid.paymentId)).toEqual([
      expect.objectContaining({ amount_cents: 300, status: 'succeeded', stripe_refund_id: dash.id }),
    ]);
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('partially_refunded');
    // "Pay later" was settled by the card: that item needs nobody now.
    expect(w.bar.rows('reconciliation_items').filter((i) => i.kind === 'unpaid_order' && i.order_id === order.id).map((i) => i.status)).toEqual(['resolved']);

    const failed = stripe.failRefundLater(dash.id);
    expect((await send('charge.refund.updated', failed)).status).toBe(200);
    await w.bar.pull();
    expect(w.bar.rows('refunds').filter((r) => r.payment_id === paid.paymentId).map((r) => r.status)).toEqual(['failed']);
    expect(w.bar.rows('reconciliation_items').filter((i) => i.kind === 'refund_failed' && i.order_id === order.id)).toHaveLength(1);
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('paid');
    // The money came back to the payment: it can be refunded again, in full.
    const again = (await w.manager.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: paid.paymentId, amountCents: order.total_cents })).json;
    expect(again).toMatchObject({ status: 'succeeded', refundableCents: 0 });
  });

  it('resolves the card kinds from the inbox: a declined card collected in cash, a failed refund paid back another way; audited', async () => {
    const items = async (kind: string) => (await w.manager.get(`/api/manager/inbox?kind=${kind}`)).json.items as Row[];
    const declined = (await items('failed_card_payment'))[0];
    const failedRefund = (await items('refund_failed'))[0];
    expect(declined.actions).toEqual(['collect', 'write_off', 'dismiss']);
    expect(failedRefund.actions).toEqual(['accept', 'dismiss']);
    const owed = w.bar.row('orders', declined.orderId)!;
    const c = await w.manager.post(`/api/manager/inbox/${declined.id}`, { action: 'collect', amountCents: owed.total_cents, note: 'Paid cash at the counter' });
    expect(c.status, c.text).toBe(200);
    const a = await w.manager.post(`/api/manager/inbox/${failedRefund.id}`, { action: 'accept', note: 'Gave the customer cash back' });
    expect(a.status, a.text).toBe(200);
    await w.bar.pull();
    expect(w.bar.row('orders', owed.id)!.payment_status).toBe('paid');
    expect(paymentsOf(owed.id).filter((p) => p.method === 'cash').map((p) => p.amount_cents)).toEqual([owed.total_cents]);
    expect(w.bar.rows('reconciliation_items').filter((i) => i.id === declined.id || i.id === failedRefund.id).map((i) => i.status).sort()).toEqual(['resolved', 'resolved']);
    if (app.engine === 'pglite') await app.stop();
    const db = await app.openDb();
    try {
      const audit = (await db.query(`select action, details->>'kind' as kind from public.audit_log where details->>'itemId' = any($1::text[]) order by action`, [[declined.id, failedRefund.id]])).rows;
      expect(audit).toEqual([{ action: 'reconciliation.accept', kind: 'refund_failed' }, { action: 'reconciliation.collect', kind: 'failed_card_payment' }]);
    } finally {
      await db.close();
      if (app.engine === 'pglite') await app.start();
    }
  });

  it('refunds cash on the ledger: a refund row and the drawer pays it out', async () => {
    const drawerSessionId = crypto.randomUUID();
    await w.till.push('drawer.open', { drawerSessionId, openingFloatCents: 10_000 }, w.baristaId);
    const order = await w.till.ringUp(w.productId, w.baristaId, 1500);
    const paymentId = crypto.randomUUID();
    await w.till.push('order.payCash', { orderId: order.id, paymentId, amountCents: order.total_cents, tenderedCents: order.total_cents }, w.baristaId);
    const over = await w.manager.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId, amountCents: order.total_cents + 1 });
    expectEnvelope(over, 409, 'CONFLICT');
    const refundId = crypto.randomUUID();
    const r = (await w.manager.post('/api/payments/refunds', { refundId, paymentId, amountCents: 400, reason: 'Wrong milk' })).json;
    expect(r).toEqual({ refundId, status: 'succeeded', amountCents: 400, refundableCents: order.total_cents - 400 });
    await w.till.pull();
    expect(w.till.row('refunds', refundId)).toMatchObject({ payment_id: paymentId, amount_cents: 400, status: 'succeeded', stripe_refund_id: null });
    expect(w.till.rows('drawer_movements').filter((m) => m.drawer_session_id === drawerSessionId && m.kind === 'refund')).toEqual([
      expect.objectContaining({ amount_cents: -400, order_id: order.id }),
    ]);
    expect(w.till.row('orders', order.id)!.payment_status).toBe('partially_refunded');
    expect(stripe.requests.some((q) => q.path === '/v1/refunds' && q.params.metadata && (q.params.metadata as Row).refund_id === refundId)).toBe(false);
  });

  it('gives a connection token for the location; has no demo reader; bad input gets the envelope and writes nothing', async () => {
    const tok = (await w.bar.post('/api/payments/connection-token')).json;
    expect(tok).toMatchObject({ location: 'tml_stand_in_location', demo: false });
    expect(tok.secret).toMatch(/^pst_test_/);
    const order = await w.bar.ringUp(w.productId, w.baristaId, 300);
    const { intentId } = (await w.bar.post('/api/payments/intents', { orderId: order.id })).json;
    const before = await counts(app);
    expectEnvelope(await w.bar.post(`/api/payments/intents/${intentId}/demo-process`, {}), 404, 'NOT_FOUND');
    expectEnvelope(await w.bar.post('/api/payments/intents', '{"orderId":'), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.bar.post('/api/payments/intents', { orderId: 'not-a-uuid' }), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.bar.post('/api/payments/intents', { orderId: order.id, attempt: 0 }), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: -5, attempt: 3 }), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.bar.post('/api/payments/intents', { orderId: order.id, staffId: crypto.randomUUID(), attempt: 3 }), 403, 'FORBIDDEN');
    expectEnvelope(await w.bar.post('/api/payments/intents/pi_nope;drop/confirm'), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.bar.post('/api/payments/intents/pi_unknown123/confirm'), 404, 'NOT_FOUND');
    expectEnvelope(await w.manager.post('/api/payments/refunds', { refundId: 'x', paymentId: crypto.randomUUID(), amountCents: 1 }), 400, 'VALIDATION_FAILED');
    expectEnvelope(await w.manager.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: crypto.randomUUID(), amountCents: 1 }), 404, 'NOT_FOUND');
    expect(await counts(app)).toEqual(before);
  });
});

describe.each(engines())('the demo reader (no Stripe keys) on $name', ({ name }) => {
  let app: AppServer;
  let w: Awaited<ReturnType<typeof setup>>;
  const DECLINE_DIGITS = new Set([1, 5, 51, 55]);

  beforeAll(async () => {
    app = await startAppServer(name, { STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' });
    w = await setup(app);
  });
  afterAll(() => app?.destroy());

  it('says it is the demo, and has no webhook endpoint', async () => {
    expect((await w.bar.post('/api/payments/connection-token')).json).toMatchObject({ location: null, demo: true });
    expectEnvelope(await client(app.url).post('/api/webhooks/stripe', '{}', { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' }), 404, 'NOT_FOUND');
  });

  it('declines by the amount’s last digits, then approves a new attempt, records it once, and refunds it', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 1999, 2);
    // …51: insufficient funds
    const a1 = (await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: 151 })).json;
    expect(a1).toMatchObject({ demo: true, amountCents: 151, status: 'requires_payment_method' });
    const declined = (await w.bar.post(`/api/payments/intents/${a1.intentId}/demo-process`, { tipCents: 0 })).json;
    expect(declined).toMatchObject({ status: 'requires_payment_method', paymentId: null, declineMessage: 'The card was declined: insufficient funds.', balanceCents: order.total_cents });

    // Part by card (attempt 2), the rest by card (attempt 3) with a tip on the reader.
    let part = 200;
    while (DECLINE_DIGITS.has((order.total_cents - part) % 100)) part += 100;
    const a2 = (await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: part, attempt: 2 })).json;
    const p2 = (await w.bar.post(`/api/payments/intents/${a2.intentId}/demo-process`)).json;
    expect(p2).toMatchObject({ status: 'succeeded', amountCents: part, tipCents: 0, balanceCents: order.total_cents - part });
    const a3 = (await w.bar.post('/api/payments/intents', { orderId: order.id, attempt: 3 })).json;
    expect(a3.amountCents).toBe(order.total_cents - part);
    const p3 = (await w.bar.post(`/api/payments/intents/${a3.intentId}/demo-process`, { tipCents: 120 })).json;
    expect(p3).toMatchObject({ status: 'succeeded', tipCents: 120, balanceCents: 0 });
    const again = (await w.bar.post(`/api/payments/intents/${a3.intentId}/confirm`)).json;
    expect(again.paymentId).toBe(p3.paymentId);

    await w.bar.pull();
    const payments = w.bar.rows('payments').filter((p) => p.order_id === order.id);
    expect(payments.map((p) => p.amount_cents).sort((a, b) => a - b)).toEqual([part, order.total_cents - part].sort((a, b) => a - b));
    expect(w.bar.row('orders', order.id)).toMatchObject({ payment_status: 'paid', tip_cents: 120 });
    // The decline was filed while the order owed, and closed once the card paid it.
    const items = w.bar.rows('reconciliation_items').filter((i) => i.kind === 'failed_card_payment' && i.order_id === order.id);
    expect(items).toHaveLength(1);
    expect(items[0].status).toBe('resolved');

    const over = await w.manager.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: p3.paymentId, amountCents: order.total_cents - part + 121 });
    expectEnvelope(over, 409, 'CONFLICT');
    const refund = (await w.manager.post('/api/payments/refunds', { refundId: crypto.randomUUID(), paymentId: p3.paymentId, amountCents: 120 })).json;
    expect(refund).toMatchObject({ status: 'succeeded', refundableCents: order.total_cents - part });
  });

  it('declines …05 and …55 too, and a walk-away cancels', async () => {
    const order = await w.bar.ringUp(w.productId, w.baristaId, 2500);
    const a = (await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: 105 })).json;
    expect((await w.bar.post(`/api/payments/intents/${a.intentId}/demo-process`)).json.declineMessage).toBe('The card was declined.');
    const b = (await w.bar.post('/api/payments/intents', { orderId: order.id, amountCents: 255, attempt: 2 })).json;
    expect((await w.bar.post(`/api/payments/intents/${b.intentId}/demo-process`)).json.declineMessage).toBe('The PIN was wrong. Try again.');
    expect((await w.bar.post(`/api/payments/intents/${b.intentId}/cancel`)).json).toEqual({ status: 'canceled' });
    expectEnvelope(await w.bar.post(`/api/payments/intents/${b.intentId}/demo-process`), 409, 'CONFLICT');
    await w.bar.pull();
    expect(w.bar.rows('payments').filter((p) => p.order_id === order.id)).toEqual([]);
    expect(w.bar.row('orders', order.id)!.payment_status).toBe('unpaid');
  });
});
