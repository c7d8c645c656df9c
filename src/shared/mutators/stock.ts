// Stock is a ledger of deltas (DESIGN §4): staff record waste and deliveries; a count,
// which overrides the ledger with what is on the shelf, needs a manager.
import { z } from 'zod';
import { defineMutator, MANAGER_ROLES } from './define.ts';

export const STOCK_ADJUST_REASONS = ['waste', 'receive', 'correction'] as const;

export const stockAdjust = defineMutator({
  name: 'stock.adjust',
  args: z
    .strictObject({
      movementId: z.uuid(),
      itemId: z.uuid(),
      delta: z.int().min(-1_000_000).max(1_000_000).refine((d) => d !== 0, 'A stock change cannot be zero.'),
      reason: z.enum(STOCK_ADJUST_REASONS),
    })
    .refine((a) => (a.reason === 'waste' ? a.delta < 0 : a.reason === 'receive' ? a.delta > 0 : true), {
      message: 'Waste takes stock away and a delivery adds it.',
      path: ['delta'],
    }),
});

export const stockCount = defineMutator({
  name: 'stock.count',
  args: z.strictObject({ movementId: z.uuid(), itemId: z.uuid(), countedQuantity: z.int().min(0).max(10_000_000) }),
  roles: MANAGER_ROLES,
});

export const stockMutators = [stockAdjust, stockCount];
