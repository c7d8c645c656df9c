// The card-payment contract between the tablet and the server (DESIGN §8, issue #6):
// request and response shapes of /api/payments/** (parsed on both sides), and the demo
// reader's rule. The amount of a card payment is always the server's: the tablet may ask
// for part of what is owed (split tender), never for more.
import { z } from 'zod';

const cents = z.int().min(0).max(10_000_000);

/** POST /api/payments/connection-token → the Terminal SDK's token for this location's reader. */
export const connectionTokenResponseSchema = z.object({
  secret: z.string(),
  /** the Stripe Terminal location (tml_…) readers are discovered at; null in demo mode */
  location: z.string().nullable(),
  demo: z.boolean(),
});

/** 1, 2, … per order or pass sale: a new attempt after a decline or a cancel gets a new intent; the same attempt returns the same one */
const attempt = z.int().min(1).max(100).default(1);
/** who is taking the payment (recorded on the payment; must work at the device's location) */
const staffId = z.uuid().optional();

/** POST /api/payments/intents: a card_present PaymentIntent for what the order still owes (or part of it)… */
export const orderIntentSchema = z.strictObject({
  orderId: z.uuid(),
  /** part of the balance (split tender); the whole balance when absent; never more */
  amountCents: cents.min(1).optional(),
  attempt,
  staffId,
});
/** …or for a pass the front desk is selling: the pass's new id, the plan and the member. The price is the plan's. */
export const passIntentSchema = z.strictObject({
  pass: z.strictObject({ passId: z.uuid(), planId: z.uuid(), customerId: z.uuid() }),
  attempt,
  staffId,
});
export const intentCreateSchema = z.union([orderIntentSchema, passIntentSchema]);

export const intentResponseSchema = z.object({
  intentId: z.string(),
  clientSecret: z.string(),
  amountCents: z.int(),
  currency: z.string(),
  status: z.string(),
  demo: z.boolean(),
});

/** POST /api/payments/intents/:id/confirm: the server reads the intent (capturing it if needed) and records the payment if it succeeded. */
export const confirmResponseSchema = z.object({
  status: z.enum(['succeeded', 'processing', 'requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture', 'canceled']),
  paymentId: z.uuid().nullable(),
  amountCents: z.int(),
  tipCents: z.int(),
  /** Stripe's decline message, for the screen ("Your card has insufficient funds.") */
  declineMessage: z.string().nullable(),
  /** what the order still owes after this payment */
  balanceCents: z.int(),
});

/** The :id of /api/payments/intents/:id/… : a PaymentIntent id (pi_…), never anything else. */
export const intentIdSchema = z.string().regex(/^pi_[A-Za-z0-9_]{1,250}$/, 'A PaymentIntent id looks like pi_…');

/** POST /api/payments/intents/:id/cancel → { status: 'canceled' } (a customer who walks away). */
export const cancelResponseSchema = z.object({ status: z.string() });

/** POST /api/payments/intents/:id/demo-process: the demo reader presents a card (demo mode only). */
export const demoProcessSchema = z.strictObject({ tipCents: cents.default(0) });

/** demo-process answers like confirm: the demo reader's verdict, already recorded by the server. */
export const demoProcessResponseSchema = confirmResponseSchema;

/** POST /api/payments/refunds (a signed-in manager): card through Stripe, cash on the ledger. */
export const refundCreateSchema = z.strictObject({
  refundId: z.uuid(),
  paymentId: z.uuid(),
  amountCents: cents.min(1),
  reason: z.string().trim().max(500).optional(),
});

export const refundResponseSchema = z.object({
  refundId: z.uuid(),
  status: z.enum(['succeeded', 'pending', 'failed']),
  amountCents: z.int(),
  /** what is left to refund on that payment */
  refundableCents: z.int(),
});

/**
 * The demo reader's verdict, by the amount's last two digits like Stripe's physical test
 * card: …01 the issuer wants a call, …05 a generic decline, …51 insufficient funds, …55 a
 * wrong PIN; anything else is approved. No money moves in demo mode.
 */
export function demoReaderOutcome(amountCents: number): { approved: true } | { approved: false; code: string; message: string } {
  switch (amountCents % 100) {
    case 1:
      return { approved: false, code: 'call_issuer', message: 'The card was declined: the customer should call their bank.' };
    case 5:
      return { approved: false, code: 'generic_decline', message: 'The card was declined.' };
    case 51:
      return { approved: false, code: 'insufficient_funds', message: 'The card was declined: insufficient funds.' };
    case 55:
      return { approved: false, code: 'incorrect_pin', message: 'The PIN was wrong. Try again.' };
    default:
      return { approved: true };
  }
}

export const DEMO_READER_LABEL = 'Demo reader — no money moves';
