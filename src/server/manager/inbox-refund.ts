// "Refund the card" from the reconciliation inbox (issue #7) for a card payment that has
// no order here, or that paid an order that did not need it. The server decides the
// amount: the whole payment when there is no order, the extra when the order was paid
// twice. Three steps, because the gateway is asked outside any transaction:
//   1. as the manager, lock the item and find the payment; a payment Stripe made for an
//      order we never received is first put on the ledger (card, no order), so the day
//      report shows the money that came in beside the refund that sends it back;
//   2. refund through the payments module, with the item's id as the refund id: a retry,
//      or two managers pressing at once, makes one refund;
//   3. resolve the item (reconciliation.ts) with the refund in its resolution and audit.
import type { ResolveRequest } from '../../shared/domain/manager.ts';
import { AppError } from '../../shared/errors.ts';
import { withClaims, type Claims } from '../db/index.ts';
import { createRefund } from '../payments/refunds.ts';
import { userStaffId } from './access.ts';
import { lockOpenItem, resolveItem } from './reconciliation.ts';

export async function refundFromInbox(user: { userId: string; claims: Claims }, itemId: string, req: Extract<ResolveRequest, { action: 'refund' }>) {
  const due = await withClaims(user.claims, async (tx) => {
    const { item, loc } = await lockOpenItem(tx, itemId, 'refund');
    const d = item.details;
    if (typeof d.paymentId === 'string') {
      // the order was paid twice: give back what it did not owe
      const extra = Number(d.amountCents) - Number(d.owedCents);
      if (!(extra > 0)) throw new AppError('CONFLICT', 'Nothing on this payment is extra. Dismiss the item instead.');
      return { paymentId: d.paymentId, amountCents: extra };
    }
    const pi = typeof d.paymentIntentId === 'string' ? d.paymentIntentId : null;
    const received = Number(d.amountReceivedCents);
    if (!pi || !(received > 0)) throw new AppError('VALIDATION_FAILED', 'This item names no card payment to refund. Refund it in the Stripe dashboard.');
    const { rows: [have] } = await tx.query<{ id: string }>(`select id from public.payments where stripe_payment_intent_id = $1`, [pi]);
    if (have) return { paymentId: have.id, amountCents: received };
    const paymentId = crypto.randomUUID();
    await tx.query(
      `insert into public.payments (id, location_id, order_id, method, amount_cents, status, stripe_payment_intent_id, staff_id)
       values ($1, $2, null, 'card', $3, 'succeeded', $4, $5)`,
      [paymentId, loc.id, received, pi, await userStaffId(tx, loc.organizationId)],
    );
    return { paymentId, amountCents: received };
  });
  await createRefund(user, { refundId: itemId, paymentId: due.paymentId, amountCents: due.amountCents, reason: req.note || 'Refunded from the reconciliation inbox' });
  return withClaims(user.claims, (tx) => resolveItem(tx, itemId, req));
}
