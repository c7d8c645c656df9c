// The money rules both sides share: integer cents, half-up tax per line.
import { describe, expect, it } from 'vitest';
import { orderNumber, orderTotals, pointsEarned, roundHalfUp } from '../../src/shared/domain/money.ts';

describe('money', () => {
  it('rounds half up', () => {
    expect(roundHalfUp(5, 10)).toBe(1);
    expect(roundHalfUp(4, 10)).toBe(0);
    expect(roundHalfUp(15, 10)).toBe(2);
    expect(roundHalfUp(0, 10)).toBe(0);
  });
  it('computes tax per line in basis points', () => {
    // 2 × $4.50 at 8.75% = 78.75¢ → 79¢; 1 × $3.25 at 0% = 0
    expect(orderTotals([{ quantity: 2, unitPriceCents: 450, taxRateBps: 875 }, { quantity: 1, unitPriceCents: 325, taxRateBps: 0 }])).toEqual({
      subtotalCents: 1225,
      taxCents: 79,
      totalCents: 1304,
    });
  });
  it('earns points on whole dollars', () => {
    expect(pointsEarned(1304, 1)).toBe(13);
    expect(pointsEarned(99, 5)).toBe(0);
  });
  it('numbers orders by device', () => {
    expect(orderNumber('A', 42)).toBe('A-0042');
    expect(orderNumber('AB', 12345)).toBe('AB-12345');
  });
});
