// The catalog: anyone on shift may mark a product sold out ("86"); only a manager or owner
// (at the console, or signed in at a tablet) may change categories, products, prices and
// inventory items. Saves are upserts keyed by the id the editor made.
import { z } from 'zod';
import { defineMutator, MANAGER_ROLES } from './define.ts';

export const productSetSoldOut = defineMutator({
  name: 'product.setSoldOut',
  args: z.strictObject({ productId: z.uuid(), soldOut: z.boolean() }),
});

export const categorySave = defineMutator({
  name: 'category.save',
  args: z.strictObject({ categoryId: z.uuid(), name: z.string().trim().min(1).max(100), sort: z.int().min(0).max(10_000).default(0), deleted: z.boolean().default(false) }),
  roles: MANAGER_ROLES,
});

export const productSave = defineMutator({
  name: 'product.save',
  args: z.strictObject({
    productId: z.uuid(),
    categoryId: z.uuid().nullable(),
    name: z.string().trim().min(1).max(100),
    priceCents: z.int().min(0).max(10_000_000),
    /** null: the location's rate */
    taxRateBps: z.int().min(0).max(10_000).nullable().default(null),
    barcode: z.string().trim().min(1).max(64).nullable().default(null),
    active: z.boolean().default(true),
    sort: z.int().min(0).max(10_000).default(0),
  }),
  roles: MANAGER_ROLES,
});

export const inventoryItemSave = defineMutator({
  name: 'inventoryItem.save',
  args: z.strictObject({
    itemId: z.uuid(),
    name: z.string().trim().min(1).max(100),
    unit: z.enum(['g', 'ml', 'each']),
    lowStockThreshold: z.int().min(0).max(1_000_000_000),
  }),
  roles: MANAGER_ROLES,
});

export const catalogMutators = [productSetSoldOut, categorySave, productSave, inventoryItemSave];
