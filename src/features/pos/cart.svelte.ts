// The order being rung up: lines with their modifiers, the attached customer, and totals
// by the shared money rules, so the screen shows what the server will record.
import { orderTotals, rewardDiscountCents, type RewardRule, type Totals } from '../../shared/domain/money.ts';

export interface CartModifier {
  id: string;
  name: string;
  priceDeltaCents: number;
}

export interface CartLine {
  key: string;
  productId: string;
  name: string;
  basePriceCents: number;
  modifiers: CartModifier[];
  quantity: number;
  taxRateBps: number;
}

export function unitPrice(l: CartLine): number {
  return l.basePriceCents + l.modifiers.reduce((s, m) => s + m.priceDeltaCents, 0);
}

export class Cart {
  lines: CartLine[] = $state([]);
  customer: { id: string; name: string } | null = $state(null);
  note = $state('');
  /** Loyalty points the customer spends on this order, at the location's reward rule. */
  reward: { points: number; rule: RewardRule } | null = $state(null);

  totals: Totals = $derived(orderTotals(this.lines.map((l) => ({ quantity: l.quantity, unitPriceCents: unitPrice(l), taxRateBps: l.taxRateBps }))));
  /** Money off from the reward (the server applies the same rule), and what is left to pay. */
  discountCents = $derived(this.reward ? rewardDiscountCents(this.reward.points, this.reward.rule, this.totals.totalCents) : 0);
  dueCents = $derived(this.totals.totalCents - this.discountCents);
  count = $derived(this.lines.reduce((s, l) => s + l.quantity, 0));

  add(line: Omit<CartLine, 'key' | 'quantity'>) {
    const same = this.lines.find((l) => l.productId === line.productId && l.modifiers.map((m) => m.id).join() === line.modifiers.map((m) => m.id).join());
    if (same) same.quantity++;
    else this.lines.push({ ...line, key: crypto.randomUUID(), quantity: 1 });
  }

  setQuantity(key: string, q: number) {
    if (q <= 0) this.lines = this.lines.filter((l) => l.key !== key);
    else {
      const l = this.lines.find((x) => x.key === key);
      if (l) l.quantity = Math.min(q, 1000);
    }
  }

  clear() {
    this.lines = [];
    this.customer = null;
    this.note = '';
    this.reward = null;
  }

  /** The order.create arguments for this cart. */
  toOrder(orderId: string, number: string) {
    return {
      orderId,
      number,
      items: this.lines.map((l) => ({ id: crypto.randomUUID(), productId: l.productId, quantity: l.quantity, unitPriceCents: unitPrice(l), modifierIds: l.modifiers.map((m) => m.id) })),
      ...(this.customer ? { customerId: this.customer.id } : {}),
      ...(this.note.trim() ? { note: this.note.trim() } : {}),
    };
  }
}

/** What the receipt shows after payment. */
export interface Receipt {
  number: string;
  lines: { name: string; quantity: number; totalCents: number; mods: string }[];
  subtotalCents: number;
  taxCents: number;
  discountCents: number;
  totalCents: number;
  tenderedCents: number | null;
  /** paid by card (without the tip), and the tip added on the reader */
  cardCents?: number;
  tipCents?: number;
  payLater: boolean;
  at: string;
  location: string;
}
