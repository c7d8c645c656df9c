// Selling a pass by card at the front desk (issue #5): the same card flow as the café's
// (src/client/payments/card-payment.ts), paying for a pass instead of an order. The pass's
// id is kept across attempts for one member and plan, so a retry after a decline is the
// same sale and a card that went through late cannot sell a second pass; the server makes
// the pass when the card is approved, and the sync that follows brings it to this desk.
// The card flow itself is loaded on first use (online only), not with the desk.
import type { CardStep } from '../../client/payments/card-steps.ts';
import type { CardReader } from '../../client/payments/reader.ts';
import type { deviceApp } from '../../client/device-app.ts';

export type ReaderInfo = { demo: boolean; label: string; unavailable?: string };

export function deskCardSales(app: ReturnType<typeof deviceApp>, ondisconnect: () => void) {
  let reader: CardReader | null = null;
  const open = new Map<string, { passId: string; attempt: number }>();

  async function ensureReader(): Promise<{ ok: true; reader: CardReader } | { ok: false; error: string }> {
    if (reader) return { ok: true, reader };
    const { readerFor } = await import('../../client/payments/reader.ts');
    const r = await readerFor(app.api, ondisconnect);
    if (!r.ok) return r;
    reader = r.reader;
    return { ok: true, reader };
  }

  return {
    async readerInfo(): Promise<ReaderInfo> {
      const r = await ensureReader();
      return r.ok ? { demo: r.reader.demo, label: r.reader.label } : { demo: false, label: '', unavailable: r.error };
    },
    /** Charges the plan's price on the reader; on approval the pass is this desk's (synced). */
    async sell(s: { customerId: string; planId: string; staffId?: string; onStep: (step: CardStep, detail?: string) => void }): Promise<{ ok: true; passId: string } | { ok: false; error: string }> {
      const r = await ensureReader();
      if (!r.ok) return r;
      const key = `${s.customerId}:${s.planId}`;
      const sale = open.get(key) ?? { passId: crypto.randomUUID(), attempt: 0 };
      sale.attempt++;
      open.set(key, sale);
      const { payByCard } = await import('../../client/payments/card-payment.ts');
      const out = await payByCard({ api: app.api, engine: app.engine, reader: r.reader, pass: { passId: sale.passId, planId: s.planId, customerId: s.customerId }, staffId: s.staffId, attempt: sale.attempt, onStep: s.onStep });
      if (!out.ok) return out;
      open.delete(key);
      return { ok: true, passId: sale.passId };
    },
  };
}
