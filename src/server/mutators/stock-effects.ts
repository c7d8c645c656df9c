// Stock effects shared by the café mutators: what a sale uses through its recipes, writing
// movements to the ledger, and flagging a level that went below zero (DESIGN §4, §6).
// Sales and voids (orders.ts) and manual adjustments and counts (stock.ts) all write stock
// here, so there is one notion of "a movement" and one negative-stock rule.
//
// Stock is a ledger: nobody sets a level, movements are summed into public.stock_levels by
// a trigger. The level is read only after our own movement is in: the trigger's upsert
// holds the level's row lock (and every write takes the location's version row lock)
// until commit, so a concurrent sale from another tablet is either already counted or
// waits for us, and a negative level is never missed.
import type { MutationContext } from './context.ts';

export type StockReason = 'sale' | 'waste' | 'receive' | 'count' | 'void' | 'correction';

export interface SoldLine {
  productId: string;
  modifierIds: string[];
  quantity: number;
}

/**
 * Inventory used by these lines: quantity × recipe quantity, over the product's recipe and
 * each chosen modifier's, summed per item. A negative recipe quantity (the oat-milk swap
 * "gives back" whole milk) makes the sale use less of that item, possibly a net addition.
 * Tombstoned recipe lines are no longer part of the recipe and use nothing.
 */
export async function recipeUsage(ctx: MutationContext, lines: SoldLine[]): Promise<Map<string, number>> {
  const productIds = [...new Set(lines.map((l) => l.productId))];
  const modifierIds = [...new Set(lines.flatMap((l) => l.modifierIds))];
  const { rows } = await ctx.tx.query<{ product_id: string | null; modifier_id: string | null; item_id: string; quantity: number }>(
    `select product_id, modifier_id, item_id, quantity from public.recipe_lines
     where location_id = $1 and not deleted and (product_id = any($2::uuid[]) or modifier_id = any($3::uuid[]))`,
    [ctx.locationId, productIds, modifierIds],
  );
  const byOwner = new Map<string, { item_id: string; quantity: number }[]>();
  for (const r of rows) {
    const owner = r.product_id ?? r.modifier_id!;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), r]);
  }
  const usage = new Map<string, number>();
  for (const line of lines) {
    for (const owner of [line.productId, ...line.modifierIds]) {
      for (const r of byOwner.get(owner) ?? []) usage.set(r.item_id, (usage.get(r.item_id) ?? 0) + line.quantity * r.quantity);
    }
  }
  return usage;
}

/**
 * Writes one movement per item with a non-zero delta; returns the items touched. Rows go
 * in item-id order, so two transactions moving the same items lock their levels in the
 * same order and cannot deadlock on each other. `movementId` names the row when the
 * tablet made the id (one item only); derived rows get server ids.
 */
export async function writeMovements(
  ctx: MutationContext,
  deltas: Map<string, number>,
  reason: StockReason,
  opts: { orderId?: string; movementId?: string } = {},
): Promise<string[]> {
  const moves = [...deltas].filter(([, d]) => d !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (moves.length === 0) return [];
  if (opts.movementId && moves.length !== 1) throw new Error('a tablet-named movement covers one item');
  await ctx.tx.query(
    `insert into public.stock_movements (id, location_id, item_id, delta, reason, order_id, staff_id, device_id)
     select coalesce($8::uuid, gen_random_uuid()), $1, x.item_id, x.delta, $4, $5, $6, $7
     from unnest($2::uuid[], $3::int[]) with ordinality as x(item_id, delta, n)
     order by x.n`,
    [ctx.locationId, moves.map(([i]) => i), moves.map(([, d]) => d), reason, opts.orderId ?? null, ctx.staffId, ctx.deviceId, opts.movementId ?? null],
  );
  return moves.map(([i]) => i);
}

/**
 * Going below zero is allowed (the milk was poured) and flagged for a manager. One open
 * item per inventory item: while a manager has not yet dealt with "oat milk is below
 * zero", every further latte does not add another copy of the same problem to the list.
 */
export async function flagNegativeStock(ctx: MutationContext, itemIds: string[], after: string, orderId?: string): Promise<void> {
  if (itemIds.length === 0) return;
  const { rows } = await ctx.tx.query<{ id: string; name: string; unit: string; quantity: number }>(
    `select sl.id, ii.name, ii.unit, sl.quantity
     from public.stock_levels sl join public.inventory_items ii on ii.id = sl.id
     where sl.id = any($1::uuid[]) and sl.quantity < 0
       and not exists (select 1 from public.reconciliation_items r
                       where r.location_id = $2 and r.kind = 'negative_stock' and r.status = 'open'
                         and not r.deleted and r.details ->> 'itemId' = sl.id::text)
     order by ii.name`,
    [itemIds, ctx.locationId],
  );
  for (const r of rows) {
    await ctx.flag(
      'negative_stock',
      `${r.name} went below zero (${r.quantity} ${r.unit}) after ${after}. Count it, or record the delivery that was missed.`,
      { itemId: r.id, itemName: r.name, unit: r.unit, quantity: r.quantity, ...(orderId ? { orderId } : {}) },
      orderId ? { orderId } : {},
    );
  }
}
