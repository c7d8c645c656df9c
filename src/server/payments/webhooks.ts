// POST /api/webhooks/stripe (DESIGN §8). Stripe tells us what happened to a PaymentIntent
// or a refund; we check the signature on the raw body (the SDK's default tolerance), store
// the event id once in public.stripe_events and apply it in the same transaction, so an
// event is applied exactly once however often it is delivered, and a failure rolls the
// event back for Stripe to deliver again. Events may come in any order: each handler
// reads the state it needs and is idempotent (record.ts, refunds.ts).
//
// Enable these events on the endpoint: payment_intent.succeeded,
// payment_intent.payment_failed, payment_intent.canceled, charge.refunded,
// charge.refund.updated. Anything else is answered 200 and ignored.
import type Stripe from 'stripe';
import { AppError } from '../../shared/errors.ts';
import { asService, type Tx } from '../db/index.ts';
import { getGateway, webhookSecret } from './config.ts';
import type { GatewayRefund } from './gateway.ts';
import { ask } from './intents.ts';
import { recordFailed, recordStatus, recordSucceeded } from './record.ts';
import { reconcileRefunds } from './refunds.ts';
import { constructWebhookEvent, intentFromStripe } from './stripe-gateway.ts';

export const HANDLED_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'charge.refund.updated',
] as const;
const HANDLED: ReadonlySet<string> = new Set(HANDLED_EVENTS);

export interface WebhookResult {
  received: true;
  /** false: a type we do not handle, or an event already applied */
  applied: boolean;
  duplicate?: true;
}

function paymentIntentOf(event: Stripe.Event): string | null {
  const o = event.data.object as { object?: string; payment_intent?: string | { id: string } | null };
  const pi = o.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
}

export async function handleStripeWebhook(raw: Uint8Array, signature: string | null): Promise<WebhookResult> {
  const secret = webhookSecret();
  if (!secret) throw new AppError('NOT_FOUND', 'Stripe webhooks are not set up on this server (set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET).');
  if (!signature) throw new AppError('VALIDATION_FAILED', 'The Stripe-Signature header is missing.');
  let event: Stripe.Event;
  try {
    event = constructWebhookEvent(raw, signature, secret);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The webhook signature does not match, or it is too old. Nothing was recorded.');
  }
  if (!HANDLED.has(event.type)) return { received: true, applied: false };

  // Whatever the gateway must be asked is asked before the transaction opens.
  let refunds: GatewayRefund[] | null = null;
  let refundsOf: string | null = null;
  if (event.type === 'charge.refunded' || event.type === 'charge.refund.updated') {
    refundsOf = paymentIntentOf(event);
    if (refundsOf) {
      const gw = getGateway();
      const pi = refundsOf;
      refunds = await ask(() => gw.listRefunds(pi));
    }
  }

  return asService(async (tx: Tx) => {
    const { rows } = await tx.query(`insert into public.stripe_events (id, type) values ($1, $2) on conflict (id) do nothing returning id`, [event.id, event.type]);
    if (!rows[0]) return { received: true as const, applied: false, duplicate: true as const };
    switch (event.type) {
      case 'payment_intent.succeeded':
        await recordSucceeded(tx, intentFromStripe(event.data.object as Stripe.PaymentIntent));
        break;
      case 'payment_intent.payment_failed':
        await recordFailed(tx, intentFromStripe(event.data.object as Stripe.PaymentIntent));
        break;
      case 'payment_intent.canceled':
        await recordStatus(tx, intentFromStripe(event.data.object as Stripe.PaymentIntent));
        break;
      default:
        if (refundsOf && refunds) await reconcileRefunds(tx, refundsOf, refunds);
    }
    await tx.query(`update public.stripe_events set processed_at = now() where id = $1`, [event.id]);
    return { received: true as const, applied: true };
  });
}
