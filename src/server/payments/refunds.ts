// Refunds (DESIGN §8): a signed-in owner or manager gives money back, through the gateway
// for a card payment and on the ledger for cash. A refund never exceeds what was paid
// (amount + tip) less what was refunded or is being refunded. The request's refundId
// makes it idempotent: the same refund sent twice is made once.
//
// The manager's own claims run the database work (RLS: only locations they manage), and
// the gateway is asked outside any transaction. Stripe is the last guard against two
// card refunds racing past our check: it refuses an over-refund on its own charge.
// A refund the gateway accepts but that fails (a closed card account, now or later) is
// recorded as failed and becomes a reconciliation item for the manager (DESIGN §9).
import { z } from 'zod';
import { formatCents } from '../../shared/domain/money.ts';
import type { refundCreateSchema, refundResponseSchema } from '../../shared/domain/payments.ts';
import { AppError } from '../../shared/errors.ts';
import { withClaims, type Claims, type Tx } from '../db/index.ts';
import { getGateway } from './config.ts';
import { GatewayRefusal, OVER_REFUND_CODES, type GatewayRefund, type RefundStatus } from './gateway.ts';
import { ask } from './intents.ts';
import { flag } from './record.ts';

type RefundInput = z.output<typeof refundCreateSchema>;
type RefundResponse = z.output<typeof refundResponseSchema>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PaymentRow {
  id: string;
  location_id: string;
  order_id: string | null;
  method: string;
  amount_cents: number;
  tip_cents: number;
  status: string;
  stripe_payment_intent_id: string | null;
  device_id: string | null;
  currency: string;
  number: string | null;
}

async function loadPayment(tx: Tx, where: 'id' | 'stripe_payment_intent_id', value: string): Promise<PaymentRow | null> {
  const { rows } = await tx.query<PaymentRow>(
    `select p.id, p.location_id, p.order_id, p.method, p.amount_cents, p.tip_cents, p.status, p.stripe_payment_intent_id, p.device_id,
            l.currency, o.number
     from public.payments p join public.locations l on l.id = p.location_id left join public.orders o on o.id = p.order_id
     where p.${where} = $1 and not p.deleted for update of p`,
    [value],
  );
  return rows[0] ?? null;
}

/** What is left to refund: paid (with the tip) less refunds that succeeded or are on their way. */
async function refundable(tx: Tx, p: PaymentRow): Promise<number> {
  const { rows } = await tx.query<{ taken: number }>(
    `select coalesce(sum(amount_cents), 0)::int as taken from public.refunds where payment_id = $1 and status in ('succeeded','pending') and not deleted`,
    [p.id],
  );
  return p.amount_cents + p.tip_cents - rows[0].taken;
}

/**
 * paid → partially_refunded → refunded, from the order's succeeded refunds (back to paid if a
 * refund failed). An order paid twice whose extra went back still keeps all it was owed: paid.
 */
async function refreshOrder(tx: Tx, orderId: string | null) {
  if (!orderId) return;
  await tx.query(
    `with paid as (select coalesce(sum(amount_cents + tip_cents), 0) as v from public.payments where order_id = $1 and status = 'succeeded' and not deleted),
          back as (select coalesce(sum(r.amount_cents), 0) as v from public.refunds r join public.payments p on p.id = r.payment_id
                   where p.order_id = $1 and r.status = 'succeeded' and not r.deleted),
          owed as (select total_cents + tip_cents as v from public.orders where id = $1),
          next as (select case when back.v = 0 or paid.v - back.v >= owed.v then 'paid' when back.v >= paid.v then 'refunded' else 'partially_refunded' end as s
                   from paid, back, owed)
     update public.orders o set payment_status = next.s from next
     where o.id = $1 and o.payment_status in ('paid','partially_refunded','refunded') and o.payment_status <> next.s`,
    [orderId],
  );
}

async function flagFailed(tx: Tx, p: PaymentRow, refundId: string, amount: number, reason: string | null) {
  const { rows } = await tx.query(`select 1 from public.reconciliation_items where kind = 'refund_failed' and details->>'refundId' = $1 limit 1`, [refundId]);
  if (rows[0]) return;
  await flag(tx, p.location_id, 'refund_failed',
    `A card refund of ${formatCents(amount, p.currency)}${p.number ? ` on order ${p.number}` : ''} failed${reason ? ` (${reason})` : ''}. Give the customer the money another way.`,
    { refundId, paymentId: p.id, amountCents: amount, failureReason: reason, paymentIntentId: p.stripe_payment_intent_id },
    { orderId: p.order_id, deviceId: p.device_id });
}

async function insertRefund(tx: Tx, p: PaymentRow, r: { id: string; amount: number; status: RefundStatus; stripeId: string | null; reason: string | null; userId: string | null }) {
  await tx.query(
    `insert into public.refunds (id, location_id, payment_id, amount_cents, reason, status, stripe_refund_id, user_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
    [r.id, p.location_id, p.id, r.amount, r.reason, r.status, r.stripeId, r.userId],
  );
  if (r.status === 'failed') await flagFailed(tx, p, r.id, r.amount, r.reason);
}

interface Checked {
  payment: PaymentRow;
  left: number;
  again: RefundResponse | null;
}

/** Looks the payment up as the manager and checks the refund fits; an exact repeat is answered as before. */
async function check(tx: Tx, input: RefundInput): Promise<Checked> {
  const payment = await loadPayment(tx, 'id', input.paymentId);
  if (!payment) throw new AppError('NOT_FOUND', 'That payment was not found at a location you manage.');
  const { rows: prior } = await tx.query<{ payment_id: string; amount_cents: number; status: RefundStatus }>(
    `select payment_id, amount_cents, status from public.refunds where id = $1`,
    [input.refundId],
  );
  const left = await refundable(tx, payment);
  if (prior[0]) {
    if (prior[0].payment_id !== payment.id || prior[0].amount_cents !== input.amountCents) {
      throw new AppError('CONFLICT', 'That refund id was already used for another refund. Start a new refund.');
    }
    return { payment, left, again: { refundId: input.refundId, status: prior[0].status, amountCents: prior[0].amount_cents, refundableCents: left } };
  }
  if (payment.status !== 'succeeded') throw new AppError('CONFLICT', 'That payment did not go through, so there is nothing to refund.');
  if (payment.method !== 'card' && payment.method !== 'cash') {
    throw new AppError('CONFLICT', 'Only card and cash payments are refunded here; give pass credit back on the customer’s pass.');
  }
  if (payment.method === 'card' && !payment.stripe_payment_intent_id) throw new AppError('CONFLICT', 'This card payment has no Stripe record to refund against.');
  if (input.amountCents > left) {
    throw new AppError('CONFLICT', `At most ${formatCents(Math.max(0, left), payment.currency)} of this payment can still be refunded.`, { refundableCents: Math.max(0, left) });
  }
  return { payment, left, again: null };
}

export async function createRefund(user: { userId: string; claims: Claims }, input: RefundInput): Promise<RefundResponse> {
  const reason = input.reason || null;
  const first = await withClaims(user.claims, async (tx) => {
    const c = await check(tx, input);
    if (c.again || c.payment.method !== 'cash') return c;
    // Cash: the ledger is the whole refund. The drawer it came from, if still open, pays it out.
    await insertRefund(tx, c.payment, { id: input.refundId, amount: input.amountCents, status: 'succeeded', stripeId: null, reason, userId: user.userId });
    if (c.payment.device_id) {
      const { rows: [drawer] } = await tx.query<{ id: string }>(
        `select id from public.drawer_sessions where device_id = $1 and location_id = $2 and status = 'open' and not deleted for share`,
        [c.payment.device_id, c.payment.location_id],
      );
      if (drawer) {
        await tx.query(
          `insert into public.drawer_movements (id, location_id, drawer_session_id, kind, amount_cents, order_id, note)
           values (gen_random_uuid(), $1, $2, 'refund', $3, $4, $5)`,
          [c.payment.location_id, drawer.id, -input.amountCents, c.payment.order_id, reason],
        );
      }
    }
    await refreshOrder(tx, c.payment.order_id);
    return { ...c, again: { refundId: input.refundId, status: 'succeeded' as const, amountCents: input.amountCents, refundableCents: c.left - input.amountCents } };
  });
  if (first.again) return first.again;

  // Card: Stripe first (keyed by our refund id, so a retry is the same refund), then the ledger.
  const p = first.payment;
  let made: GatewayRefund | null = null;
  let refusedWith: GatewayRefusal | null = null;
  await ask(
    async () => {
      try {
        made = await getGateway().createRefund({
          paymentIntentId: p.stripe_payment_intent_id!,
          amountCents: input.amountCents,
          idempotencyKey: `tandem-refund-${input.refundId}`,
          metadata: { refund_id: input.refundId, payment_id: p.id, order_id: p.order_id ?? '', location_id: p.location_id },
        });
      } catch (err) {
        if (!(err instanceof GatewayRefusal)) throw err;
        if (OVER_REFUND_CODES.has(err.code ?? '')) {
          throw new AppError('CONFLICT', `Stripe refused: ${err.message}. Refresh the payment and refund at most what is left.`, { gatewayCode: err.code });
        }
        refusedWith = err;
      }
    },
  );
  return withClaims(user.claims, async (tx) => {
    const payment = (await loadPayment(tx, 'id', p.id))!;
    const r = made as GatewayRefund | null;
    const refused = refusedWith as GatewayRefusal | null;
    const status: RefundStatus = r ? r.status : 'failed';
    await insertRefund(tx, payment, {
      id: input.refundId,
      amount: input.amountCents,
      status,
      stripeId: r?.id ?? null,
      reason: r?.failureReason ?? refused?.message ?? reason,
      userId: user.userId,
    });
    await refreshOrder(tx, payment.order_id);
    const { rows } = await tx.query<{ status: RefundStatus }>(`select status from public.refunds where id = $1`, [input.refundId]);
    return { refundId: input.refundId, status: rows[0]?.status ?? status, amountCents: input.amountCents, refundableCents: Math.max(0, await refundable(tx, payment)) };
  });
}

/**
 * The gateway's refunds of one PaymentIntent, brought into the ledger (webhooks: charge.refunded,
 * refund updates). Refunds made in the Stripe dashboard are added; a status that changed is
 * updated; one that failed is flagged once. Run as trusted code; idempotent.
 */
export async function reconcileRefunds(tx: Tx, paymentIntentId: string, refunds: GatewayRefund[]): Promise<void> {
  const payment = await loadPayment(tx, 'stripe_payment_intent_id', paymentIntentId);
  if (!payment) return;
  for (const r of refunds) {
    const ours = UUID.test(r.metadata.refund_id ?? '') ? r.metadata.refund_id : null;
    const { rows } = await tx.query<{ id: string; status: RefundStatus; stripe_refund_id: string | null }>(
      `select id, status, stripe_refund_id from public.refunds where stripe_refund_id = $1 or (id = $2::uuid and payment_id = $3) limit 1`,
      [r.id, ours, payment.id],
    );
    const row = rows[0];
    if (!row) {
      const { rows: taken } = ours ? await tx.query(`select 1 from public.refunds where id = $1`, [ours]) : { rows: [1] };
      const id = taken[0] ? crypto.randomUUID() : ours!;
      await insertRefund(tx, payment, { id, amount: r.amountCents, status: r.status, stripeId: r.id, reason: r.failureReason ?? (ours ? null : 'Refunded in the Stripe dashboard'), userId: null });
      continue;
    }
    if (row.status !== r.status || row.stripe_refund_id !== r.id) {
      await tx.query(`update public.refunds set status = $2, stripe_refund_id = $3 where id = $1`, [row.id, r.status, r.id]);
      if (r.status === 'failed') await flagFailed(tx, payment, row.id, r.amountCents, r.failureReason);
    }
  }
  await refreshOrder(tx, payment.order_id);
}
