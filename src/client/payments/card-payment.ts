// One card payment, start to finish (DESIGN §8): the order reaches the server first (the
// server computes the amount from it), a PaymentIntent is made for what is owed (or the
// card's part of a split tender), the reader collects and processes the card, and the
// server confirms by asking Stripe, never by taking the tablet's word. Each step is
// reported so the tender screen can say what is happening and what to do next.
import { confirmResponseSchema, intentResponseSchema, type confirmResponseSchema as C } from '../../shared/domain/payments.ts';
import type { z } from 'zod';
import type { SyncEngine } from '../sync/engine.ts';
import type { CardReader } from './reader.ts';

export type CardStep = 'sending' | 'connecting' | 'present_card' | 'confirming' | 'approved' | 'declined';
export type CardOutcome = { ok: true; confirm: z.infer<typeof C> } | { ok: false; error: string; retry: boolean };

export interface CardPaymentInput {
  api: (path: string, body?: unknown) => Promise<unknown>;
  engine: SyncEngine;
  reader: CardReader;
  orderId: string;
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
    return { ok: false, retry: true, error: 'The order has not reached the server yet (no connection?). Take cash or mark it pay later.' };
  }
  p.onStep('connecting');
  const conn = await p.reader.connect();
  if (!conn.ok) return { ok: false, retry: true, error: conn.error };
  // 2. The intent: its amount is the server's, from the order.
  let intent;
  try {
    intent = intentResponseSchema.parse(await p.api('/api/payments/intents', { orderId: p.orderId, attempt: p.attempt, ...(p.staffId ? { staffId: p.staffId } : {}), ...(p.amountCents ? { amountCents: p.amountCents } : {}) }));
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
  void p.engine.sync().catch(() => {}); // bring the payment row to this tablet
  return { ok: true, confirm };
}
