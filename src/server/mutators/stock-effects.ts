// Stock effects shared by the café mutators: writing movements to the ledger and flagging
// a level that went below zero (DESIGN §4, §6). Voids (orders.ts) and manual adjustments
// and counts (stock.ts) write stock here; a sale's recipe usage is app.sale_movements
// (supabase/migrations/20261126000900_push_fast_path.sql), which follows the same rules.
//
// Stock is a ledger: nobody sets a level, movements are summed into public.stock_levels by
// a statement-level trigger (one upsert per item per INSERT, in item-id order). The level
// is read only after our own movement is in: the trigger's upsert holds the level's row
// lock (and every write takes the location's version row lock) until commit, so a
// concurrent sale from another tablet is either already counted or waits for us, and a
// negative level is never missed.
import type { MutationContext } from './context.ts';

export type StockReason = 'sale' | 'waste' | 'receive' | 'count' | 'void' | 'correction';

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
    [ctx.locationId, moves.map(([i]) => i), moves.map(([, d]) => d), reason, opts.orderId ?? null, ctx.staffId, ctx.deviceId || null, opts.movementId ?? null], // no device: the console
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
