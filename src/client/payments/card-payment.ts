// One card payment, start to finish (DESIGN §8): the order (or, at the front desk, the
// member a pass is sold to) reaches the server first (the server computes the amount from
// it, or from the plan), a PaymentIntent is made for what is owed (or the
// card's part of a split tender), the reader collects and processes the card, and the
// server confirms by asking Stripe, never by taking the tablet's word. Each step is
// reported so the tender screen can say what is happening and what to do next.
import { confirmResponseSchema, intentResponseSchema, type confirmResponseSchema as C } from '../../shared/domain/payments.ts';
import type { z } from 'zod';
import type { SyncEngine } from '../sync/engine.ts';
import type { CardReader } from './reader.ts';

import type { CardStep } from './card-steps.ts';
export type { CardStep };
export type CardOutcome = { ok: true; confirm: z.infer<typeof C> } | { ok: false; error: string; retry: boolean };

export interface CardPaymentInput {
  api: (path: string, body?: unknown) => Promise<unknown>;
  engine: SyncEngine;
  reader: CardReader;
  /** what is paid for: an order, or a pass the desk is selling */
  orderId?: string;
  pass?: { passId: string; planId: string; customerId: string };
  /** who is taking the payment (recorded with it) */
  staffId?: string;
  /** the card's part (split tender); the whole balance when absent */
  amountCents?: number;
  attempt: number;
  tipCents?: number;
  onStep: (step: CardStep, detail?: string) => void;
}

const words = (e: unknown) => (e as { message?: string })?.message ?? String(e);

export async function payByCard(p: CardPaymentInput): Promise<CardOutcome> {
  p.onStep('sending');
  // 1. The order must be on the server: push everything queued, and make sure nothing is left.
  try {
    await p.engine.sync();
  } catch {
    /* the check below says what to do */
  }
  if (p.engine.status.pending > 0) {
    const what = p.pass ? 'This desk’s changes have' : 'The order has';
    return { ok: false, retry: true, error: `${what} not reached the server yet (no connection?). Take cash or mark it pay later.` };
  }
  p.onStep('connecting');
  const conn = await p.reader.connect();
  if (!conn.ok) return { ok: false, retry: true, error: conn.error };
  // 2. The intent: its amount is the server's, from the order.
  let intent;
  try {
    const what = p.pass ? { pass: p.pass } : { orderId: p.orderId, ...(p.amountCents ? { amountCents: p.amountCents } : {}) };
    intent = intentResponseSchema.parse(await p.api('/api/payments/intents', { ...what, attempt: p.attempt, ...(p.staffId ? { staffId: p.staffId } : {}) }));
  } catch (e) {
    return { ok: false, retry: true, error: `The payment could not start: ${words(e)}` };
  }
  // 3. The card, on the reader.
  p.onStep('present_card', conn.label);
  const collected = await p.reader.collect({ intentId: intent.intentId, clientSecret: intent.clientSecret, amountCents: intent.amountCents, tipCents: p.tipCents });
  // 4. The server asks Stripe what happened (also after a reader error: the card may have gone through).
  p.onStep('confirming');
  let confirm;
  try {
    confirm = confirmResponseSchema.parse(await p.api(`/api/payments/intents/${encodeURIComponent(intent.intentId)}/confirm`));
  } catch (e) {
    return { ok: false, retry: true, error: collected.ok ? `The payment could not be confirmed: ${words(e)}. Check the order before charging again.` : collected.error };
  }
  if (confirm.status !== 'succeeded') {
    await p.api(`/api/payments/intents/${encodeURIComponent(intent.intentId)}/cancel`).catch(() => {});
    const why = confirm.declineMessage ?? (collected.ok ? 'The card was not approved.' : collected.error);
    p.onStep('declined', why);
    return { ok: false, retry: true, error: why };
  }
  p.onStep('approved');
  // bring the payment row (and a sold pass) to this tablet; a desk checking the member in
  // next waits for it
  await p.engine.sync().catch(() => {});
  return { ok: true, confirm };
}
