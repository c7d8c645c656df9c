// The payment gateway seen by the rest of the server (DESIGN §8): Stripe when
// STRIPE_SECRET_KEY is set, the demo gateway otherwise. Both speak this one shape, so the
// business rules (amounts from the server's order, one payment per PaymentIntent, refunds
// never past what was paid) are written once, in intents.ts, record.ts and refunds.ts.
//
// A gateway never decides anything about our orders; it only answers what Stripe (or the
// demo reader) says about a PaymentIntent or a refund. Its errors come in two kinds:
// GatewayRefusal (the gateway understood and said no: a bad request, a decline, an
// over-refund) and GatewayUnavailable (it could not be asked: network, 5xx, rate limit).
import { AppError } from '../../shared/errors.ts';

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export const INTENT_STATUSES: readonly IntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

/** Statuses after which an intent can no longer take money (or already has). */
export const FINAL_INTENT_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'canceled']);

export interface GatewayIntent {
  id: string;
  clientSecret: string;
  /** what the intent is for now (on-reader tipping may raise it) */
  amountCents: number;
  /** what was actually taken: the amount plus any tip */
  amountReceivedCents: number;
  /** lower case, as Stripe writes it */
  currency: string;
  status: IntentStatus;
  metadata: Record<string, string>;
  declineCode: string | null;
  declineMessage: string | null;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface GatewayRefund {
  id: string;
  paymentIntentId: string | null;
  amountCents: number;
  status: RefundStatus;
  metadata: Record<string, string>;
  failureReason: string | null;
}

export interface CreateIntentParams {
  amountCents: number;
  currency: string;
  idempotencyKey: string;
  description: string;
  metadata: Record<string, string>;
}

export interface CreateRefundParams {
  paymentIntentId: string;
  amountCents: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface PaymentGateway {
  readonly demo: boolean;
  /** A Terminal connection token, scoped to a Terminal location (tml_…) when given. */
  connectionToken(location: string | null): Promise<{ secret: string }>;
  createIntent(p: CreateIntentParams): Promise<GatewayIntent>;
  retrieveIntent(id: string): Promise<GatewayIntent>;
  captureIntent(id: string): Promise<GatewayIntent>;
  cancelIntent(id: string): Promise<GatewayIntent>;
  createRefund(p: CreateRefundParams): Promise<GatewayRefund>;
  listRefunds(paymentIntentId: string): Promise<GatewayRefund[]>;
}

/** The gateway understood the request and refused it (Stripe's 4xx, a decline, an over-refund). */
export class GatewayRefusal extends Error {
  readonly code: string | null;
  readonly httpStatus: number;
  constructor(message: string, code: string | null, httpStatus = 400) {
    super(message);
    this.name = 'GatewayRefusal';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/** The gateway could not be asked (network, timeout, 5xx, rate limit, bad keys). */
export class GatewayUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayUnavailable';
  }
}

/** Refusal codes that mean "more than is left to refund". */
export const OVER_REFUND_CODES: ReadonlySet<string> = new Set(['amount_too_large', 'charge_already_refunded']);

export function unavailable(): AppError {
  return new AppError('UNAVAILABLE', 'The card processor could not be reached. Try again in a moment, or take another tender.');
}
