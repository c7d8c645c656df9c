// product.setSoldOut: "86" a product at this location, or bring it back. Availability
// lives in its own table because baristas may change it and may not change products.
// category.save, product.save, inventoryItem.save: a manager's edits (RLS lets only
// managers write these tables), upserts at this location; an id that belongs to another
// location is refused rather than moved.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { categorySave, inventoryItemSave, productSave, productSetSoldOut } from '../../shared/mutators/catalog.ts';
import type { MutationContext, ServerMutator } from './context.ts';

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

async function ownedElsewhere(ctx: MutationContext, table: string, id: string) {
  const { rows } = await ctx.tx.query<{ location_id: string }>(`select location_id from public.${table} where id = $1`, [id]);
  if (rows[0] && rows[0].location_id !== ctx.locationId) throw new AppError('CONFLICT', 'That id belongs to another location; make a new one.');
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
    const { rows } = await ctx.tx.query(`select 1 from public.categories where id = $1 and location_id = $2 and not deleted`, [a.categoryId, ctx.locationId]);
    if (!rows[0]) throw new AppError('NOT_FOUND', 'That category is not on this location’s menu.');
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

export const mutators: Record<string, ServerMutator<any>> = {
  'product.setSoldOut': setSoldOut,
  'category.save': saveCategory,
  'product.save': saveProduct,
  'inventoryItem.save': saveInventoryItem,
};
