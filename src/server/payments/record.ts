// What a PaymentIntent's outcome does to our books, written once and used by every path
// that learns of it: the tablet's confirm, the webhook, the demo reader, and a new
// attempt that finds an older one went through after all (DESIGN §8, §9).
//
// Recording is idempotent by PaymentIntent id (public.payments.stripe_payment_intent_id
// is unique) and runs with the order's row locked (FOR UPDATE, as the cash mutator does),
// so a confirm and a webhook arriving together, or the same webhook twice, make one
// payment. Everything here runs inside the caller's transaction, as trusted code: the
// facts come from the gateway, never from the tablet. Inserts and updates of synced
// tables take their location's next version through the tables' triggers, so the rows
// reach the tablets by the normal pull.
import { formatCents } from '../../shared/domain/money.ts';
import type { Tx } from '../db/index.ts';
import type { ReconKind } from '../mutators/context.ts';
import type { GatewayIntent } from './gateway.ts';
import { insertPass } from '../mutators/passes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IntentRow {
  id: string;
  /** the order it pays, or null for a pass sold at the desk (pass_id, plan_id, customer_id) */
  order_id: string | null;
  pass_id: string | null;
  plan_id: string | null;
  customer_id: string | null;
  location_id: string;
  device_id: string | null;
  staff_id: string | null;
  attempt: number;
  amount_cents: number;
  currency: string;
  status: string;
  demo: boolean;
}

export interface OrderRow {
  id: string;
  location_id: string;
  number: string;
  status: string;
  payment_status: string;
  total_cents: number;
  currency: string;
}

export interface Recorded {
  paymentId: string;
  amountCents: number;
  tipCents: number;
  balanceCents: number;
  /** false when an earlier confirm or webhook had recorded it already */
  created: boolean;
}

export async function intentRow(tx: Tx, id: string, lock = false): Promise<IntentRow | null> {
  const { rows } = await tx.query<IntentRow>(`select * from app.card_intents where id = $1 ${lock ? 'for update' : ''}`, [id]);
  return rows[0] ?? null;
}

export async function lockOrder(tx: Tx, orderId: string): Promise<OrderRow | null> {
  const { rows } = await tx.query<OrderRow>(
    `select o.id, o.location_id, o.number, o.status, o.payment_status, o.total_cents, l.currency
     from public.orders o join public.locations l on l.id = o.location_id
     where o.id = $1 and not o.deleted for update of o`,
    [orderId],
  );
  return rows[0] ?? null;
}

/** What the order's succeeded payments add up to (refunds do not reopen an order). */
export async function paidCents(tx: Tx, orderId: string): Promise<number> {
  const { rows } = await tx.query<{ paid: number }>(
    `select coalesce(sum(amount_cents), 0)::int as paid from public.payments where order_id = $1 and status = 'succeeded' and not deleted`,
    [orderId],
  );
  return rows[0].paid;
}

export function owes(o: OrderRow): boolean {
  return o.status !== 'voided' && (o.payment_status === 'unpaid' || o.payment_status === 'pay_later');
}

export async function flag(
  tx: Tx,
  locationId: string,
  kind: ReconKind,
  summary: string,
  details: Record<string, unknown>,
  refs: { orderId?: string | null; deviceId?: string | null } = {},
): Promise<void> {
  await tx.query(
    `insert into public.reconciliation_items (location_id, kind, summary, details, device_id, order_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [locationId, kind, summary.slice(0, 500), JSON.stringify(details), refs.deviceId ?? null, refs.orderId ?? null],
  );
}

/** One open item per PaymentIntent and kind: a webhook delivered again adds nothing. */
async function flagOnce(tx: Tx, locationId: string, kind: ReconKind, paymentIntentId: string, summary: string, details: Record<string, unknown>, refs: { orderId?: string | null; deviceId?: string | null }) {
  const { rows } = await tx.query(
    `select 1 from public.reconciliation_items where location_id = $1 and kind = $2 and details->>'paymentIntentId' = $3 limit 1`,
    [locationId, kind, paymentIntentId],
  );
  if (!rows[0]) await flag(tx, locationId, kind, summary, { ...details, paymentIntentId }, refs);
}

interface IntentHome {
  row: IntentRow | null;
  orderId: string | null;
  locationId: string | null;
  /** a pass sold at the desk: the pass to make, its plan and member */
  pass: { passId: string; planId: string; customerId: string } | null;
}

/** Where a PaymentIntent belongs: our row for it, or (if that was never written) its metadata. */
async function whereIntentBelongs(tx: Tx, pi: GatewayIntent): Promise<IntentHome> {
  const row = await intentRow(tx, pi.id, true);
  if (row) {
    const pass = row.pass_id ? { passId: row.pass_id, planId: row.plan_id!, customerId: row.customer_id! } : null;
    return { row, orderId: row.order_id, locationId: row.location_id, pass };
  }
  const m = (k: string) => (UUID.test(pi.metadata[k] ?? '') ? pi.metadata[k] : null);
  const orderId = m('order_id');
  let locationId = m('location_id');
  if (locationId) {
    const { rows } = await tx.query(`select 1 from public.locations where id = $1`, [locationId]);
    if (!rows[0]) locationId = null;
  }
  const [passId, planId, customerId] = [m('pass_id'), m('plan_id'), m('customer_id')];
  return { row: null, orderId, locationId, pass: !orderId && passId && planId && customerId ? { passId, planId, customerId } : null };
}

async function setIntentStatus(tx: Tx, id: string, status: string) {
  // A succeeded or canceled intent is final: a late event about an earlier state changes nothing.
  await tx.query(
    `update app.card_intents set status = $2, updated_at = now()
     where id = $1 and status is distinct from $2 and (status not in ('succeeded','canceled') or $2 = 'succeeded')`,
    [id, status],
  );
}

/**
 * A PaymentIntent that succeeded: one card payment on its order. The base amount is what
 * the server asked for; what the reader took above it is the tip. Returns null when the
 * order is unknown (an orphan card payment, flagged for a manager).
 */
export async function recordSucceeded(tx: Tx, pi: GatewayIntent): Promise<Recorded | null> {
  const where = await whereIntentBelongs(tx, pi);
  if (where.pass && where.locationId) return recordPassSale(tx, pi, where as IntentHome & { pass: NonNullable<IntentHome['pass']>; locationId: string });
  const order = where.orderId ? await lockOrder(tx, where.orderId) : null;
  if (!order || (where.locationId && order.location_id !== where.locationId)) {
    const money = formatCents(pi.amountReceivedCents, pi.currency.toUpperCase());
    if (where.locationId) {
      await flagOnce(tx, where.locationId, 'orphan_card_payment', pi.id,
        `A card payment of ${money} went through in Stripe (${pi.id}) but its order is not on the server. Find the order, or refund the card.`,
        { amountReceivedCents: pi.amountReceivedCents, currency: pi.currency, metadata: pi.metadata }, { deviceId: null });
    } else {
      console.warn(`[tandem] card payment ${pi.id} (${money}) belongs to no known location; it needs a look in the Stripe dashboard`);
    }
    return null;
  }
  const { rows: done } = await tx.query<{ id: string; amount_cents: number; tip_cents: number }>(
    `select id, amount_cents, tip_cents from public.payments where stripe_payment_intent_id = $1`,
    [pi.id],
  );
  const paid = await paidCents(tx, order.id);
  if (done[0]) {
    if (where.row) await setIntentStatus(tx, pi.id, 'succeeded');
    return { paymentId: done[0].id, amountCents: done[0].amount_cents, tipCents: done[0].tip_cents, balanceCents: Math.max(0, order.total_cents - paid), created: false };
  }
  const base = where.row?.amount_cents ?? (Number.parseInt(pi.metadata.base_amount_cents ?? '', 10) || pi.amountCents);
  const received = pi.amountReceivedCents;
  const amount = Math.min(base, received);
  const tip = received - amount;
  const deviceId = where.row?.device_id ?? (UUID.test(pi.metadata.device_id ?? '') ? pi.metadata.device_id : null);
  const owing = owes(order) ? Math.max(0, order.total_cents - paid) : 0;

  const { rows: [p] } = await tx.query<{ id: string }>(
    `insert into public.payments (id, location_id, order_id, method, amount_cents, tip_cents, status, stripe_payment_intent_id, device_id, staff_id)
     select gen_random_uuid(), $1, $2, 'card', $3, $4, 'succeeded', $5, d.id, $7
     from (select $6::uuid as want) w left join public.devices d on d.id = w.want
     returning id`,
    [order.location_id, order.id, amount, tip, pi.id, deviceId, where.row?.staff_id ?? null],
  );
  const nowPaid = paid + amount;
  const becomesPaid = owes(order) && nowPaid >= order.total_cents;
  if (tip > 0 || becomesPaid) {
    await tx.query(
      `update public.orders set tip_cents = tip_cents + $2, payment_status = case when $3 then 'paid' else payment_status end where id = $1`,
      [order.id, tip, becomesPaid],
    );
  }
  if (becomesPaid) {
    // An earlier decline, or "pay later", on this order no longer needs anyone: the card paid it.
    await tx.query(
      `update public.reconciliation_items set status = 'resolved', resolved_at = now(),
         resolution = jsonb_build_object('auto', true, 'note', 'The order was paid by card afterwards.', 'paymentIntentId', $2::text)
       where order_id = $1 and kind in ('failed_card_payment','unpaid_order') and status = 'open'`,
      [order.id, pi.id],
    );
  }
  if (amount > owing) {
    // Money moved that the order did not need (cash was taken too, or it was voided).
    const extra = formatCents(amount - owing, order.currency);
    await flagOnce(tx, order.location_id, 'orphan_card_payment', pi.id,
      `Order ${order.number} received ${extra} more by card than it owed (${pi.id}). Refund the extra to the customer.`,
      { orderId: order.id, number: order.number, amountCents: amount, owedCents: owing, paymentId: p.id }, { orderId: order.id, deviceId });
  }
  if (where.row) await setIntentStatus(tx, pi.id, 'succeeded');
  return { paymentId: p.id, amountCents: amount, tipCents: tip, balanceCents: Math.max(0, order.total_cents - nowPaid), created: true };
}

/** A declined or failed attempt on an order that still owes: a manager should know (DESIGN §9). */
export async function recordFailed(tx: Tx, pi: GatewayIntent): Promise<void> {
  const where = await whereIntentBelongs(tx, pi);
  if (where.row) await setIntentStatus(tx, pi.id, pi.status);
  const order = where.orderId ? await lockOrder(tx, where.orderId) : null;
  if (!order || !owes(order)) return;
  // A failure reported after the same intent went through (a second tap) is old news.
  const { rows: paidBy } = await tx.query(`select 1 from public.payments where stripe_payment_intent_id = $1`, [pi.id]);
  if (paidBy[0]) return;
  const balance = order.total_cents - (await paidCents(tx, order.id));
  if (balance <= 0) return;
  await flagOnce(tx, order.location_id, 'failed_card_payment', pi.id,
    `A card payment for order ${order.number} failed${pi.declineMessage ? ` (${pi.declineMessage})` : ''}, and ${formatCents(balance, order.currency)} is still owed. Collect it or write it off.`,
    { orderId: order.id, number: order.number, balanceCents: balance, declineCode: pi.declineCode, declineMessage: pi.declineMessage },
    { orderId: order.id, deviceId: where.row?.device_id ?? null });
}

/** Keeps our copy of an intent's status in step (canceled, requires_payment_method, …). */
export async function recordStatus(tx: Tx, pi: GatewayIntent): Promise<void> {
  await setIntentStatus(tx, pi.id, pi.status);
}

/**
 * A PaymentIntent for a pass that succeeded: the pass, its credits and the card payment,
 * in the caller's (trusted) transaction, once. A second card that went through for a pass
 * already paid is recorded too, and flagged for a refund (the inbox offers one).
 */
async function recordPassSale(
  tx: Tx,
  pi: GatewayIntent,
  where: IntentHome & { pass: NonNullable<IntentHome['pass']>; locationId: string },
): Promise<Recorded | null> {
  const { passId, planId, customerId } = where.pass;
  // one sale at a time per pass: a confirm and a webhook arriving together make one pass
  await tx.query(`select pg_advisory_xact_lock(hashtext('pass-sale:' || $1))`, [passId]);
  const { rows: done } = await tx.query<{ id: string; amount_cents: number; tip_cents: number }>(
    `select id, amount_cents, tip_cents from public.payments where stripe_payment_intent_id = $1`,
    [pi.id],
  );
  if (done[0]) {
    if (where.row) await setIntentStatus(tx, pi.id, 'succeeded');
    return { paymentId: done[0].id, amountCents: done[0].amount_cents, tipCents: done[0].tip_cents, balanceCents: 0, created: false };
  }
  const { rows: [loc] } = await tx.query<{ organization_id: string; currency: string }>(`select organization_id, currency from public.locations where id = $1`, [where.locationId]);
  const { rows: [plan] } = await tx.query<{ name: string; kind: string; credits: number | null; duration_days: number | null }>(
    `select name, kind, credits, duration_days from public.plans where id = $1 and organization_id = $2`,
    [planId, loc.organization_id],
  );
  const { rows: [customer] } = await tx.query(`select 1 from public.customers where id = $1 and organization_id = $2`, [customerId, loc.organization_id]);
  const money = formatCents(pi.amountReceivedCents, loc.currency);
  if (!plan || !customer) {
    await flagOnce(tx, where.locationId, 'orphan_card_payment', pi.id,
      `A card payment of ${money} for a pass went through in Stripe (${pi.id}) but its plan or member is not on the server. Refund the card.`,
      { amountReceivedCents: pi.amountReceivedCents, currency: pi.currency, metadata: pi.metadata }, { deviceId: null });
    return null;
  }
  const { rows: sold } = await tx.query(`select 1 from public.customer_passes where id = $1`, [passId]);
  if (!sold[0]) await insertPass(tx, { passId, organizationId: loc.organization_id, customerId, locationId: where.locationId, plan: { id: planId, ...plan } });

  const base = where.row?.amount_cents ?? (Number.parseInt(pi.metadata.base_amount_cents ?? '', 10) || pi.amountCents);
  const amount = Math.min(base, pi.amountReceivedCents);
  const tip = pi.amountReceivedCents - amount;
  const deviceId = where.row?.device_id ?? (/^[0-9a-f-]{36}$/i.test(pi.metadata.device_id ?? '') ? pi.metadata.device_id : null);
  const { rows: [p] } = await tx.query<{ id: string }>(
    `insert into public.payments (id, location_id, order_id, pass_id, method, amount_cents, tip_cents, status, stripe_payment_intent_id, device_id, staff_id)
     select gen_random_uuid(), $1, null, $2, 'card', $3, $4, 'succeeded', $5, d.id, $7
     from (select $6::uuid as want) w left join public.devices d on d.id = w.want
     returning id`,
    [where.locationId, passId, amount, tip, pi.id, deviceId, where.row?.staff_id ?? null],
  );
  if (sold[0]) {
    // the pass was paid already (another card attempt went through first): this money is extra
    await flagOnce(tx, where.locationId, 'orphan_card_payment', pi.id,
      `The ${plan.name} pass was paid twice by card; ${money} (${pi.id}) is extra. Refund it to the customer.`,
      { passId, amountCents: amount, owedCents: 0, paymentId: p.id }, { deviceId });
  }
  if (where.row) await setIntentStatus(tx, pi.id, 'succeeded');
  return { paymentId: p.id, amountCents: amount, tipCents: tip, balanceCents: 0, created: true };
}
