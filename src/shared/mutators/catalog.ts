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

/** A group of options on the modifier sheet ("Milk", "Size"): how many a customer must and may pick. */
export const modifierGroupSave = defineMutator({
  name: 'modifierGroup.save',
  args: z
    .strictObject({
      groupId: z.uuid(),
      name: z.string().trim().min(1).max(100),
      minSelect: z.int().min(0).max(20).default(0),
      maxSelect: z.int().min(1).max(20).default(1),
      sort: z.int().min(0).max(10_000).default(0),
      deleted: z.boolean().default(false),
    })
    .refine((a) => a.minSelect <= a.maxSelect, { message: 'a group cannot require more options than it allows', path: ['minSelect'] }),
  roles: MANAGER_ROLES,
});

/** One option in a group ("Oat milk", +$0.75). */
export const modifierSave = defineMutator({
  name: 'modifier.save',
  args: z.strictObject({
    modifierId: z.uuid(),
    groupId: z.uuid(),
    name: z.string().trim().min(1).max(100),
    priceDeltaCents: z.int().min(-1_000_000).max(1_000_000).default(0),
    isDefault: z.boolean().default(false),
    sort: z.int().min(0).max(10_000).default(0),
    deleted: z.boolean().default(false),
  }),
  roles: MANAGER_ROLES,
});

/** The option groups a product offers, in the order the sheet shows them (the whole list: groups left out are taken off). */
export const productSetModifierGroups = defineMutator({
  name: 'product.setModifierGroups',
  args: z.strictObject({
    productId: z.uuid(),
    groupIds: z.array(z.uuid()).max(20).refine((ids) => new Set(ids).size === ids.length, { message: 'a group is listed twice' }),
  }),
  roles: MANAGER_ROLES,
});

/**
 * What one product or one option uses from stock per unit sold (the whole recipe: lines
 * left out are taken off). Quantities are in the inventory item's unit; a negative one
 * puts stock back (a "no cup" option).
 */
export const recipeSet = defineMutator({
  name: 'recipe.set',
  args: z
    .strictObject({
      productId: z.uuid().nullable().default(null),
      modifierId: z.uuid().nullable().default(null),
      lines: z
        .array(z.strictObject({ lineId: z.uuid(), itemId: z.uuid(), quantity: z.int().min(-1_000_000).max(1_000_000).refine((q) => q !== 0, 'must not be zero') }))
        .max(50)
        .refine((ls) => new Set(ls.map((l) => l.itemId)).size === ls.length, { message: 'an inventory item is listed twice' }),
    })
    .refine((a) => (a.productId === null) !== (a.modifierId === null), { message: 'name either a product or an option, not both', path: ['productId'] }),
  roles: MANAGER_ROLES,
});

export const catalogMutators = [productSetSoldOut, categorySave, productSave, inventoryItemSave, modifierGroupSave, modifierSave, productSetModifierGroups, recipeSet];
