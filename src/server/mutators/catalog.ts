// product.setSoldOut: "86" a product at this location, or bring it back. Availability
// lives in its own table because baristas may change it and may not change products.
// category.save, product.save, inventoryItem.save: a manager's edits (RLS lets only
// managers write these tables), upserts at this location; an id that belongs to another
// location is refused rather than moved.
// modifierGroup.save, modifier.save, product.setModifierGroups, recipe.set: the modifier
// sheet's groups and options and what products and options use from stock. A product's
// groups and a recipe are saved whole: what the list leaves out is tombstoned, so tablets
// learn of it on their next pull.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { categorySave, inventoryItemSave, modifierGroupSave, modifierSave, productSave, productSetModifierGroups, productSetSoldOut, recipeSet } from '../../shared/mutators/catalog.ts';
import type { MutationContext, ServerMutator } from './context.ts';
import { ownedElsewhere, requireHere } from './ownership.ts';

async function setSoldOut(ctx: MutationContext, a: ArgsOf<typeof productSetSoldOut>) {
  const { rows } = await ctx.tx.query(`select 1 from public.products where id = $1 and location_id = $2`, [a.productId, ctx.locationId]);
  if (!rows[0]) throw new AppError('NOT_FOUND', 'That product is not on this location’s menu.');
  await ctx.tx.query(
    `insert into public.product_availability (location_id, product_id, sold_out, staff_id, updated_at)
     values ($1, $2, $3, $4, now())
     on conflict (product_id) do update set sold_out = excluded.sold_out, staff_id = excluded.staff_id, updated_at = now()`,
    [ctx.locationId, a.productId, a.soldOut, ctx.staffId],
  );
}

async function saveCategory(ctx: MutationContext, a: ArgsOf<typeof categorySave>) {
  await ownedElsewhere(ctx, 'categories', a.categoryId);
  await ctx.tx.query(
    `insert into public.categories (id, location_id, name, sort, deleted) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, sort = excluded.sort, deleted = excluded.deleted`,
    [a.categoryId, ctx.locationId, a.name, a.sort, a.deleted],
  );
}

async function saveProduct(ctx: MutationContext, a: ArgsOf<typeof productSave>) {
  await ownedElsewhere(ctx, 'products', a.productId);
  if (a.categoryId) {
    await requireHere(ctx, 'categories', a.categoryId, 'That category is not on this location’s menu.');
  }
  await ctx.tx.query(
    `insert into public.products (id, location_id, category_id, name, price_cents, tax_rate_bps, barcode, active, sort)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (id) do update set category_id = excluded.category_id, name = excluded.name, price_cents = excluded.price_cents,
       tax_rate_bps = excluded.tax_rate_bps, barcode = excluded.barcode, active = excluded.active, sort = excluded.sort`,
    [a.productId, ctx.locationId, a.categoryId, a.name, a.priceCents, a.taxRateBps, a.barcode, a.active, a.sort],
  );
}

async function saveInventoryItem(ctx: MutationContext, a: ArgsOf<typeof inventoryItemSave>) {
  await ownedElsewhere(ctx, 'inventory_items', a.itemId);
  await ctx.tx.query(
    `insert into public.inventory_items (id, location_id, name, unit, low_stock_threshold) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, unit = excluded.unit, low_stock_threshold = excluded.low_stock_threshold`,
    [a.itemId, ctx.locationId, a.name, a.unit, a.lowStockThreshold],
  );
}

async function saveModifierGroup(ctx: MutationContext, a: ArgsOf<typeof modifierGroupSave>) {
  await ownedElsewhere(ctx, 'modifier_groups', a.groupId);
  await ctx.tx.query(
    `insert into public.modifier_groups (id, location_id, name, min_select, max_select, sort, deleted) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (id) do update set name = excluded.name, min_select = excluded.min_select, max_select = excluded.max_select,
       sort = excluded.sort, deleted = excluded.deleted`,
    [a.groupId, ctx.locationId, a.name, a.minSelect, a.maxSelect, a.sort, a.deleted],
  );
}

async function saveModifier(ctx: MutationContext, a: ArgsOf<typeof modifierSave>) {
  await ownedElsewhere(ctx, 'modifiers', a.modifierId);
  await requireHere(ctx, 'modifier_groups', a.groupId, 'That option group is not on this location’s menu.');
  await ctx.tx.query(
    `insert into public.modifiers (id, location_id, group_id, name, price_delta_cents, is_default, sort, deleted) values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (id) do update set group_id = excluded.group_id, name = excluded.name, price_delta_cents = excluded.price_delta_cents,
       is_default = excluded.is_default, sort = excluded.sort, deleted = excluded.deleted`,
    [a.modifierId, ctx.locationId, a.groupId, a.name, a.priceDeltaCents, a.isDefault, a.sort, a.deleted],
  );
}

async function setModifierGroups(ctx: MutationContext, a: ArgsOf<typeof productSetModifierGroups>) {
  await requireHere(ctx, 'products', a.productId, 'That product is not on this location’s menu.');
  await requireHere(ctx, 'modifier_groups', a.groupIds, 'An option group in that list is not on this location’s menu.');
  // links are unique per (product, group): a group taken off and put back is the same row, live again
  await ctx.tx.query(
    `update public.product_modifier_groups set deleted = true
     where product_id = $1 and not deleted and not (group_id = any($2::uuid[]))`,
    [a.productId, a.groupIds],
  );
  await ctx.tx.query(
    `insert into public.product_modifier_groups (location_id, product_id, group_id, sort)
     select $1, $2, g.id, g.ord::int - 1 from unnest($3::uuid[]) with ordinality as g(id, ord)
     on conflict (product_id, group_id) do update set sort = excluded.sort, deleted = false
       where product_modifier_groups.sort is distinct from excluded.sort or product_modifier_groups.deleted`,
    [ctx.locationId, a.productId, a.groupIds],
  );
}

async function setRecipe(ctx: MutationContext, a: ArgsOf<typeof recipeSet>) {
  const [table, owner, column] = a.productId ? ['products', a.productId, 'product_id'] : ['modifiers', a.modifierId!, 'modifier_id'];
  await requireHere(ctx, table, owner, a.productId ? 'That product is not on this location’s menu.' : 'That option is not on this location’s menu.');
  await requireHere(ctx, 'inventory_items', a.lines.map((l) => l.itemId), 'An inventory item in that recipe is not stocked at this location.');
  const lineIds = a.lines.map((l) => l.lineId);
  const { rows: taken } = await ctx.tx.query(
    `select 1 from public.recipe_lines where id = any($1::uuid[]) and (location_id <> $2 or ${column} is distinct from $3) limit 1`,
    [lineIds, ctx.locationId, owner],
  );
  if (taken[0]) throw new AppError('CONFLICT', 'A recipe line id belongs to another recipe; make a new one.');
  await ctx.tx.query(`update public.recipe_lines set deleted = true where ${column} = $1 and not deleted and not (id = any($2::uuid[]))`, [owner, lineIds]);
  await ctx.tx.query(
    `insert into public.recipe_lines (id, location_id, ${column}, item_id, quantity)
     select l.id, $1, $2, l.item_id, l.quantity from jsonb_to_recordset($3::jsonb) as l(id uuid, item_id uuid, quantity integer)
     on conflict (id) do update set item_id = excluded.item_id, quantity = excluded.quantity, deleted = false`,
    [ctx.locationId, owner, JSON.stringify(a.lines.map((l) => ({ id: l.lineId, item_id: l.itemId, quantity: l.quantity })))],
  );
}

export const mutators: Record<string, ServerMutator<any>> = {
  'product.setSoldOut': setSoldOut,
  'category.save': saveCategory,
  'product.save': saveProduct,
  'inventoryItem.save': saveInventoryItem,
  'modifierGroup.save': saveModifierGroup,
  'modifier.save': saveModifier,
  'product.setModifierGroups': setModifierGroups,
  'recipe.set': setRecipe,
};
