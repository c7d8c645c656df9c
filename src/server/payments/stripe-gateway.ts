// The real gateway: Stripe's API through the official `stripe` SDK (DESIGN §8).
// STRIPE_SECRET_KEY turns it on. STRIPE_API_HOST / STRIPE_API_PORT / STRIPE_API_PROTOCOL
// point the SDK somewhere else than api.stripe.com: the tests use them to aim the real
// SDK at a local stand-in (tests/fixtures/stripe-stand-in.ts); production leaves them unset.
//
// Intents are card_present with automatic capture: the reader's approval is the payment,
// so `payment_intent.succeeded` arrives even if the tablet dies right after the tap. An
// intent that does come back `requires_capture` (made elsewhere, or a manual-capture
// account setting) is captured by the server when it confirms.
import Stripe from 'stripe';
import {
  GatewayRefusal,
  GatewayUnavailable,
  INTENT_STATUSES,
  type CreateIntentParams,
  type CreateRefundParams,
  type GatewayIntent,
  type GatewayRefund,
  type IntentStatus,
  type PaymentGateway,
  type RefundStatus,
} from './gateway.ts';

export interface StripeGatewayConfig {
  secretKey: string;
  host?: string;
  port?: string;
  protocol?: 'http' | 'https';
}

export function stripeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StripeGatewayConfig | null {
  if (!env.STRIPE_SECRET_KEY) return null;
  const protocol = env.STRIPE_API_PROTOCOL === 'http' ? 'http' : env.STRIPE_API_PROTOCOL === 'https' ? 'https' : undefined;
  return {
    secretKey: env.STRIPE_SECRET_KEY,
    host: env.STRIPE_API_HOST || undefined,
    port: env.STRIPE_API_PORT || undefined,
    protocol,
  };
}

export function stripeClient(c: StripeGatewayConfig): Stripe {
  return new Stripe(c.secretKey, {
    ...(c.host ? { host: c.host } : {}),
    ...(c.port ? { port: c.port } : {}),
    ...(c.protocol ? { protocol: c.protocol } : {}),
    // One retry on a dropped connection; the SDK keys every POST, so a retry is safe.
    maxNetworkRetries: 1,
    timeout: 20_000,
    appInfo: { name: 'Tandem' },
  });
}

export function createStripeGateway(c: StripeGatewayConfig): PaymentGateway {
  const stripe = stripeClient(c);
  return {
    demo: false,
    // https://docs.stripe.com/api/terminal/connection_tokens/create
    async connectionToken(location) {
      const t = await call(() => stripe.terminal.connectionTokens.create(location ? { location } : {}));
      return { secret: t.secret };
    },
    // https://docs.stripe.com/api/payment_intents/create
    async createIntent(p: CreateIntentParams) {
      const pi = await call(() =>
        stripe.paymentIntents.create(
          {
            amount: p.amountCents,
            currency: p.currency,
            // This API version names it allowed_payment_method_types (payment_method_types before).
            allowed_payment_method_types: ['card_present'],
            capture_method: 'automatic',
            description: p.description,
            metadata: p.metadata,
          },
          { idempotencyKey: p.idempotencyKey },
        ),
      );
      return intentFromStripe(pi);
    },
    // https://docs.stripe.com/api/payment_intents/retrieve
    async retrieveIntent(id) {
      return intentFromStripe(await call(() => stripe.paymentIntents.retrieve(id)));
    },
    // https://docs.stripe.com/api/payment_intents/capture
    async captureIntent(id) {
      return intentFromStripe(await call(() => stripe.paymentIntents.capture(id, {}, { idempotencyKey: `tandem-capture-${id}` })));
    },
    // https://docs.stripe.com/api/payment_intents/cancel
    async cancelIntent(id) {
      return intentFromStripe(await call(() => stripe.paymentIntents.cancel(id, {}, { idempotencyKey: `tandem-cancel-${id}` })));
    },
    // https://docs.stripe.com/api/refunds/create
    async createRefund(p: CreateRefundParams) {
      const r = await call(() =>
        stripe.refunds.create({ payment_intent: p.paymentIntentId, amount: p.amountCents, metadata: p.metadata }, { idempotencyKey: p.idempotencyKey }),
      );
      return refundFromStripe(r);
    },
    // https://docs.stripe.com/api/refunds/list
    async listRefunds(paymentIntentId) {
      const out: GatewayRefund[] = [];
      for await (const r of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) out.push(refundFromStripe(r));
      return out;
    },
  };
}

/**
 * Verifies a webhook's signature on the raw body (the SDK's default tolerance, 300 s) and
 * returns the event. Throws the SDK's StripeSignatureVerificationError when it is forged,
 * altered or stale. https://docs.stripe.com/webhooks#verify-events
 */
export function constructWebhookEvent(raw: Uint8Array, signature: string, secret: string): Stripe.Event {
  return Stripe.webhooks.constructEvent(Buffer.from(raw), signature, secret);
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateStripeError(err);
  }
}

/** Stripe's 4xx answers are refusals; everything else means "could not ask". */
export function translateStripeError(err: unknown): Error {
  const e = err as { type?: string; statusCode?: number; code?: string; decline_code?: string; message?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 0;
  const refusal =
    (e?.type === 'StripeInvalidRequestError' || e?.type === 'StripeCardError' || e?.type === 'StripeIdempotencyError') &&
    status >= 400 &&
    status < 500;
  if (refusal) return new GatewayRefusal(String(e.message ?? 'The card processor refused the request.'), e.code ?? e.decline_code ?? null, status);
  console.error('[tandem] Stripe could not be reached or failed', e?.type, status, e?.message);
  return new GatewayUnavailable(String(e?.message ?? 'Stripe could not be reached'));
}

function isStatus(s: string): s is IntentStatus {
  return (INTENT_STATUSES as readonly string[]).includes(s);
}

/** Stripe's PaymentIntent in the gateway's shape (used for API answers and webhook events alike). */
export function intentFromStripe(pi: Stripe.PaymentIntent): GatewayIntent {
  const err = pi.last_payment_error;
  return {
    id: pi.id,
    clientSecret: pi.client_secret ?? '',
    amountCents: pi.amount,
    amountReceivedCents: pi.amount_received ?? 0,
    currency: pi.currency,
    status: isStatus(pi.status) ? pi.status : 'processing',
    metadata: { ...(pi.metadata ?? {}) },
    declineCode: err ? (err.decline_code ?? err.code ?? null) : null,
    declineMessage: err ? (err.message ?? 'The card was declined.') : null,
  };
}

export function refundFromStripe(r: Stripe.Refund): GatewayRefund {
  // requires_action waits on the customer (pending); a canceled refund returned nothing.
  const status: RefundStatus = r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' || r.status === 'canceled' ? 'failed' : 'pending';
  const pi = r.payment_intent;
  return {
    id: r.id,
    paymentIntentId: typeof pi === 'string' ? pi : (pi?.id ?? null),
    amountCents: r.amount,
    status,
    metadata: { ...(r.metadata ?? {}) },
    failureReason: r.failure_reason ?? null,
  };
}
