// Money rules both sides share: integer cents, tax in basis points, rounding half up per
// line. The tablet shows exactly the totals the server will record.

/** Rounds a non-negative rational cents value half up. */
export function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((numerator * 2 + denominator) / (denominator * 2));
}

export interface PricedLine {
  quantity: number;
  unitPriceCents: number;
  taxRateBps: number;
}

export function lineTotal(l: PricedLine): number {
  return l.quantity * l.unitPriceCents;
}

export function lineTax(l: PricedLine): number {
  return roundHalfUp(lineTotal(l) * l.taxRateBps, 10_000);
}

export interface Totals {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

export function orderTotals(lines: PricedLine[]): Totals {
  let subtotalCents = 0;
  let taxCents = 0;
  for (const l of lines) {
    subtotalCents += lineTotal(l);
    taxCents += lineTax(l);
  }
  return { subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}

/** Loyalty points an order earns: whole dollars of its total × the location's rate. */
export function pointsEarned(totalCents: number, pointsPerDollar: number): number {
  return Math.floor(totalCents / 100) * pointsPerDollar;
}

/** "A-0042": the device's code and its own sequence, unique without the server. */
export function orderNumber(deviceCode: string, sequence: number): string {
  return `${deviceCode}-${String(sequence).padStart(4, '0')}`;
}

export function formatCents(cents: number, currency = 'USD', locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 100);
}

/** A location's reward: `points` buy `cents` off an order (e.g. 100 points = $5.00). */
export interface RewardRule {
  points: number;
  cents: number;
}

/** Money off for redeeming `points`: whole rewards only, never more than what is still owed. */
export function rewardDiscountCents(points: number, rule: RewardRule, owedCents: number): number {
  if (rule.points <= 0 || points <= 0) return 0;
  return Math.max(0, Math.min(Math.floor(points / rule.points) * rule.cents, owedCents));
}
