// Card payments at the counter (DESIGN §8, issue #6): a PaymentIntent for what the order
// still owes, confirmed by asking the gateway (never the tablet), cancelled when the
// customer walks away. The order must be on the server: the tablet pushes it first.
// A pass sold at the front desk by card takes the same path (pass-sales.ts).
//
// No database transaction is held open while the gateway is asked: each step reads or
// writes in a short transaction of its own, and recording is idempotent (record.ts), so
// a crash between steps is repaired by the next confirm or by the webhook.
import { z } from 'zod';
import { formatCents } from '../../shared/domain/money.ts';
import type { confirmResponseSchema, intentResponseSchema, orderIntentSchema } from '../../shared/domain/payments.ts';
import { AppError } from '../../shared/errors.ts';
import { asService, withClaims, type Tx } from '../db/index.ts';
import type { DeviceIdentity } from '../sync/push.ts';
import { defaultTerminalLocation, demoGateway, getGateway } from './config.ts';
import { FINAL_INTENT_STATUSES, GatewayRefusal, GatewayUnavailable, unavailable, type GatewayIntent, type PaymentGateway } from './gateway.ts';
import { intentRow, paidCents, recordFailed, recordStatus, recordSucceeded, type IntentRow, type OrderRow } from './record.ts';

type IntentResponse = z.output<typeof intentResponseSchema>;
type ConfirmResponse = z.output<typeof confirmResponseSchema>;

/** Asks the gateway; "could not ask" becomes 503 (retry), a refusal is handed to `refused`. */
export async function ask<T>(fn: () => Promise<T>, refused?: (e: GatewayRefusal) => never): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayUnavailable) throw unavailable();
    if (err instanceof GatewayRefusal) {
      if (refused) refused(err);
      throw new AppError('CONFLICT', `The card processor refused: ${err.message}`, { gatewayCode: err.code });
    }
    throw err;
  }
}

const notSynced = () =>
  new AppError('NOT_FOUND', 'This order is not on the server yet. Let the tablet sync (it sends the order first), then take the card payment.', {
    reason: 'order_not_synced',
  });

const noIntent = () => new AppError('NOT_FOUND', 'That card payment was not found at this location. Start the card payment again.');

export function deviceClaims(device: DeviceIdentity) {
  return { role: 'authenticated' as const, sub: device.deviceId, device_id: device.deviceId };
}

/** The order as this device may see it (RLS decides, as for any device request). */
async function readOrder(device: DeviceIdentity, orderId: string): Promise<OrderRow & { paid: number }> {
  return withClaims(deviceClaims(device), async (tx) => {
    const { rows } = await tx.query<OrderRow>(
      `select o.id, o.location_id, o.number, o.status, o.payment_status, o.total_cents, l.currency
       from public.orders o join public.locations l on l.id = o.location_id
       where o.id = $1 and o.location_id = $2 and not o.deleted`,
      [orderId, device.locationId],
    );
    if (!rows[0]) throw notSynced();
    return { ...rows[0], paid: await paidCents(tx, orderId) };
  });
}

export async function checkStaff(device: DeviceIdentity, staffId: string | undefined) {
  if (!staffId) return;
  const { rows } = await asService((tx) =>
    tx.query(
      `select 1 from public.staff s join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = $2 and not sl.deleted
       where s.id = $1 and s.active and not s.deleted`,
      [staffId, device.locationId],
    ),
  );
  if (!rows[0]) throw new AppError('FORBIDDEN', 'That staff member does not work at this location.');
}

export function toResponse(row: IntentRow, pi: GatewayIntent): IntentResponse {
  return { intentId: pi.id, clientSecret: pi.clientSecret, amountCents: row.amount_cents, currency: row.currency, status: pi.status, demo: row.demo };
}

/** Records an intent the gateway reports as succeeded; returns the result of recording. */
const record = (pi: GatewayIntent) => asService((tx) => recordSucceeded(tx, pi));

/**
 * Other attempts of this order (or pass sale) that are still open would let a second card
 * be charged. One that went through after all is recorded; one a reader is working on
 * stops us; the rest are cancelled.
 */
export async function settleOtherAttempts(gw: PaymentGateway, sale: { order_id: string } | { pass_id: string }, attempt: number, number: string): Promise<void> {
  const [column, id] = 'order_id' in sale ? ['order_id', sale.order_id] : ['pass_id', sale.pass_id];
  const { rows } = await asService((tx) =>
    tx.query<IntentRow>(`select * from app.card_intents where ${column} = $1 and attempt <> $2 and status not in ('succeeded','canceled')`, [id, attempt]),
  );
  for (const row of rows) {
    let pi = await ask(() => gw.retrieveIntent(row.id));
    if (pi.status === 'requires_capture') pi = await ask(() => gw.captureIntent(row.id));
    if (pi.status === 'succeeded') {
      await record(pi);
      continue;
    }
    if (pi.status === 'processing') {
      throw new AppError('CONFLICT', `A card payment for ${number} is still being processed. Wait for the reader, then try again.`, { intentId: row.id });
    }
    if (pi.status !== 'canceled') pi = await ask(() => gw.cancelIntent(row.id));
    await asService((tx) => recordStatus(tx, pi));
  }
}

export async function createIntent(device: DeviceIdentity, input: z.output<typeof orderIntentSchema>): Promise<IntentResponse> {
  const gw = getGateway();
  await checkStaff(device, input.staffId);
  let order = await readOrder(device, input.orderId);

  // 1. The same attempt again (a retry, a lost response): the first intent, as it is now.
  const existing = await asService((tx) =>
    tx.query<IntentRow>(`select * from app.card_intents where order_id = $1 and attempt = $2`, [order.id, input.attempt]),
  );
  if (existing.rows[0]) {
    const row = existing.rows[0];
    const pi = await ask(() => gw.retrieveIntent(row.id));
    if (pi.status !== row.status) await asService((tx) => recordStatus(tx, pi));
    return toResponse(row, pi);
  }

  // 2. What is owed is the server's: the order's total less its succeeded payments.
  const owed = (o: typeof order) => {
    if (o.status === 'voided') throw new AppError('CONFLICT', `Order ${o.number} was voided, so it cannot take a payment.`);
    const balance = o.total_cents - o.paid;
    if (balance <= 0 || !(o.payment_status === 'unpaid' || o.payment_status === 'pay_later')) {
      throw new AppError('CONFLICT', `Order ${o.number} is already paid; nothing is owed.`, { balanceCents: 0 });
    }
    return balance;
  };
  owed(order);
  await settleOtherAttempts(gw, { order_id: order.id }, input.attempt, `order ${order.number}`);
  order = await readOrder(device, input.orderId);
  const balance = owed(order);
  // 3. The tablet may ask for part of it (split tender), never for more.
  const amount = input.amountCents ?? balance;
  if (amount > balance) {
    throw new AppError('CONFLICT', `Order ${order.number} owes ${formatCents(balance, order.currency)}, less than the ${formatCents(amount, order.currency)} asked for. Charge at most what is owed.`, {
      balanceCents: balance,
    });
  }

  // 4. One intent per order and attempt: the idempotency key makes a retry return the first.
  const currency = order.currency.toLowerCase();
  const pi = await ask(
    () =>
      gw.createIntent({
        amountCents: amount,
        currency,
        idempotencyKey: `tandem-order-${order.id}-attempt-${input.attempt}`,
        description: `Order ${order.number}`,
        metadata: {
          order_id: order.id,
          order_number: order.number,
          location_id: device.locationId,
          device_id: device.deviceId,
          attempt: String(input.attempt),
          base_amount_cents: String(amount),
        },
      }),
    (e) => {
      // The key was used with other parameters (a crash between Stripe and our write while the balance changed).
      throw new AppError('CONFLICT', `This card attempt cannot be repeated (${e.message}). Start a new attempt.`, { gatewayCode: e.code });
    },
  );
  const row = await asService(async (tx: Tx) => {
    await tx.query(
      `insert into app.card_intents (id, order_id, location_id, device_id, staff_id, attempt, amount_cents, currency, status, demo)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
      [pi.id, order.id, device.locationId, device.deviceId, input.staffId ?? null, input.attempt, amount, currency, pi.status, gw.demo],
    );
    return intentRow(tx, pi.id);
  });
  if (!row) throw new AppError('CONFLICT', 'Another card payment for this order attempt was started at the same time. Try again.');
  return toResponse(row, pi);
}

export async function ownIntent(device: DeviceIdentity, id: string): Promise<IntentRow> {
  const row = await asService((tx) => intentRow(tx, id));
  if (!row || row.location_id !== device.locationId) throw noIntent();
  return row;
}

async function outcome(row: IntentRow, pi: GatewayIntent): Promise<ConfirmResponse> {
  if (pi.status === 'succeeded') {
    const r = await record(pi);
    if (r) return { status: 'succeeded', paymentId: r.paymentId, amountCents: r.amountCents, tipCents: r.tipCents, declineMessage: null, balanceCents: r.balanceCents };
  }
  const paid = await asService(async (tx) => {
    await recordStatus(tx, pi);
    if (!row.order_id) return { total: row.amount_cents, paid: 0 }; // a pass sale: still the whole price
    const { rows } = await tx.query<{ total_cents: number }>(`select total_cents from public.orders where id = $1`, [row.order_id]);
    return { total: rows[0].total_cents, paid: await paidCents(tx, row.order_id) };
  });
  return {
    status: pi.status,
    paymentId: null,
    amountCents: row.amount_cents,
    tipCents: 0,
    declineMessage: pi.status === 'requires_payment_method' ? pi.declineMessage : null,
    balanceCents: Math.max(0, paid.total - paid.paid),
  };
}

/** The tablet says the reader is done: ask the gateway what really happened. */
export async function confirmIntent(device: DeviceIdentity, id: string): Promise<ConfirmResponse> {
  const gw = getGateway();
  const row = await ownIntent(device, id);
  let pi = await ask(() => gw.retrieveIntent(id));
  if (pi.status === 'requires_capture') pi = await ask(() => gw.captureIntent(id));
  return outcome(row, pi);
}

export async function cancelIntent(device: DeviceIdentity, id: string): Promise<{ status: string }> {
  const gw = getGateway();
  await ownIntent(device, id);
  const pi = await ask(() => gw.retrieveIntent(id));
  if (pi.status === 'succeeded') {
    const r = await record(pi);
    throw new AppError('CONFLICT', 'This card payment already went through, so it cannot be cancelled. A manager can refund it.', {
      status: 'succeeded',
      paymentId: r?.paymentId ?? null,
    });
  }
  if (pi.status === 'canceled') {
    await asService((tx) => recordStatus(tx, pi));
    return { status: 'canceled' };
  }
  const done = await ask(
    () => gw.cancelIntent(id),
    (e) => {
      throw new AppError('CONFLICT', `The card payment could not be cancelled (${e.message}). Check the reader, then confirm or try again.`, { gatewayCode: e.code });
    },
  );
  await asService((tx) => recordStatus(tx, done));
  return { status: done.status };
}

/** A Terminal connection token for the device's location (its own tml_… or STRIPE_TERMINAL_LOCATION). */
export async function connectionToken(device: DeviceIdentity): Promise<{ secret: string; location: string | null; demo: boolean }> {
  const gw = getGateway();
  if (gw.demo) return { ...(await gw.connectionToken(null)), location: null, demo: true };
  const { rows } = await withClaims(deviceClaims(device), (tx) =>
    tx.query<{ tml: string | null }>(`select stripe_terminal_location as tml from public.locations where id = $1`, [device.locationId]),
  );
  const location = rows[0]?.tml || defaultTerminalLocation();
  const t = await ask(() => gw.connectionToken(location));
  return { secret: t.secret, location, demo: false };
}

/** The demo reader presents a card (demo mode only), then the server confirms as usual. */
export async function demoProcess(device: DeviceIdentity, id: string, tipCents: number): Promise<ConfirmResponse> {
  const demo = demoGateway();
  if (!demo) throw new AppError('NOT_FOUND', 'There is no demo reader: this server takes real card payments through Stripe.');
  const row = await ownIntent(device, id);
  const pi = await ask(() => demo.present(id, tipCents));
  // No webhooks in demo mode: the demo reader's decline is reported the way Stripe's
  // payment_intent.payment_failed would be.
  if (pi.status === 'requires_payment_method' && pi.declineMessage) await asService((tx) => recordFailed(tx, pi));
  return outcome(row, pi);
}
