// The demo gateway: what the server talks to when there is no STRIPE_SECRET_KEY
// (DESIGN §2, §8). It behaves like the parts of Stripe we use, with its state in the
// database (app.demo_gateway_objects) so it survives restarts. The demo reader on the
// tablet "presents a card" through POST /api/payments/intents/:id/demo-process, and the
// verdict comes from demoReaderOutcome (the amount's last two digits, like Stripe's
// physical test card). No money moves, and every answer says demo.
//
// Like a remote gateway it runs its own transactions: callers must not hold one open
// while they call it (PGlite has one connection).
import { randomBytes } from 'node:crypto';
import { demoReaderOutcome } from '../../shared/domain/payments.ts';
import { asService, type Tx } from '../db/index.ts';
import {
  GatewayRefusal,
  type CreateIntentParams,
  type CreateRefundParams,
  type GatewayIntent,
  type GatewayRefund,
  type PaymentGateway,
} from './gateway.ts';

const newId = (prefix: string) => `${prefix}_demo_${randomBytes(12).toString('hex')}`;

async function loadIntent(tx: Tx, id: string, lock = false): Promise<GatewayIntent> {
  const { rows } = await tx.query<{ data: GatewayIntent }>(
    `select data from app.demo_gateway_objects where id = $1 and kind = 'payment_intent' ${lock ? 'for update' : ''}`,
    [id],
  );
  if (!rows[0]) throw new GatewayRefusal(`No such payment_intent: '${id}'`, 'resource_missing', 404);
  return rows[0].data;
}

async function saveIntent(tx: Tx, pi: GatewayIntent): Promise<GatewayIntent> {
  await tx.query(`update app.demo_gateway_objects set data = $2, updated_at = now() where id = $1`, [pi.id, JSON.stringify(pi)]);
  return pi;
}

export function createDemoGateway(): PaymentGateway & { present(id: string, tipCents: number): Promise<GatewayIntent> } {
  return {
    demo: true,
    async connectionToken() {
      return { secret: `demo_tok_${randomBytes(16).toString('hex')}` };
    },
    async createIntent(p: CreateIntentParams) {
      return asService(async (tx) => {
        const id = newId('pi');
        const pi: GatewayIntent = {
          id,
          clientSecret: `${id}_secret_${randomBytes(12).toString('hex')}`,
          amountCents: p.amountCents,
          amountReceivedCents: 0,
          currency: p.currency,
          status: 'requires_payment_method',
          metadata: { ...p.metadata, description: p.description },
          declineCode: null,
          declineMessage: null,
        };
        // The same idempotency key returns the first intent, as Stripe does.
        await tx.query(
          `insert into app.demo_gateway_objects (id, kind, idempotency_key, payment_intent_id, data)
           values ($1, 'payment_intent', $2, $1, $3) on conflict (idempotency_key) do nothing`,
          [id, p.idempotencyKey, JSON.stringify(pi)],
        );
        const { rows } = await tx.query<{ data: GatewayIntent }>(`select data from app.demo_gateway_objects where idempotency_key = $1`, [p.idempotencyKey]);
        return rows[0].data;
      });
    },
    retrieveIntent: (id) => asService((tx) => loadIntent(tx, id)),
    async captureIntent(id) {
      return asService(async (tx) => {
        const pi = await loadIntent(tx, id, true);
        if (pi.status === 'succeeded') return pi;
        if (pi.status !== 'requires_capture') {
          throw new GatewayRefusal(`This PaymentIntent could not be captured because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
        }
        return saveIntent(tx, { ...pi, status: 'succeeded' });
      });
    },
    async cancelIntent(id) {
      return asService(async (tx) => {
        const pi = await loadIntent(tx, id, true);
        if (pi.status === 'canceled') return pi;
        if (pi.status === 'succeeded' || pi.status === 'processing') {
          throw new GatewayRefusal(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
        }
        return saveIntent(tx, { ...pi, status: 'canceled' });
      });
    },
    /** The demo reader: a card is presented for this intent, with an optional tip. */
    async present(id, tipCents) {
      return asService(async (tx) => {
        const pi = await loadIntent(tx, id, true);
        if (pi.status === 'succeeded') return pi; // a repeated tap changes nothing
        if (pi.status !== 'requires_payment_method') {
          throw new GatewayRefusal(`This PaymentIntent cannot be processed because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
        }
        const verdict = demoReaderOutcome(pi.amountCents);
        if (!verdict.approved) return saveIntent(tx, { ...pi, declineCode: verdict.code, declineMessage: verdict.message });
        return saveIntent(tx, {
          ...pi,
          status: 'succeeded',
          amountReceivedCents: pi.amountCents + tipCents,
          declineCode: null,
          declineMessage: null,
        });
      });
    },
    async createRefund(p: CreateRefundParams) {
      return asService(async (tx) => {
        const { rows: again } = await tx.query<{ data: GatewayRefund }>(`select data from app.demo_gateway_objects where idempotency_key = $1`, [p.idempotencyKey]);
        if (again[0]) return again[0].data;
        const pi = await loadIntent(tx, p.paymentIntentId, true);
        if (pi.status !== 'succeeded') throw new GatewayRefusal(`This PaymentIntent has no successful charge to refund.`, 'charge_not_refundable');
        const { rows: [r] } = await tx.query<{ refunded: number }>(
          `select coalesce(sum((data->>'amountCents')::int), 0)::int as refunded from app.demo_gateway_objects
           where kind = 'refund' and payment_intent_id = $1 and data->>'status' <> 'failed'`,
          [pi.id],
        );
        const left = pi.amountReceivedCents - r.refunded;
        if (left <= 0) throw new GatewayRefusal(`Charge for ${pi.id} has already been refunded.`, 'charge_already_refunded');
        if (p.amountCents > left) {
          throw new GatewayRefusal(`Refund amount (${p.amountCents}) is greater than unrefunded amount on charge (${left})`, 'amount_too_large');
        }
        const refund: GatewayRefund = { id: newId('re'), paymentIntentId: pi.id, amountCents: p.amountCents, status: 'succeeded', metadata: p.metadata, failureReason: null };
        await tx.query(
          `insert into app.demo_gateway_objects (id, kind, idempotency_key, payment_intent_id, data) values ($1, 'refund', $2, $3, $4)`,
          [refund.id, p.idempotencyKey, pi.id, JSON.stringify(refund)],
        );
        return refund;
      });
    },
    async listRefunds(paymentIntentId) {
      return asService(async (tx) => {
        const { rows } = await tx.query<{ data: GatewayRefund }>(
          `select data from app.demo_gateway_objects where kind = 'refund' and payment_intent_id = $1 order by created_at`,
          [paymentIntentId],
        );
        return rows.map((r) => r.data);
      });
    },
  };
}

export type DemoGateway = ReturnType<typeof createDemoGateway>;
