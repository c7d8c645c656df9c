// Manual stock changes, applied authoritatively (DESIGN §4, §6): waste, deliveries and
// corrections by any staff member, and shelf counts by a manager. Sales and voids move
// stock too, through orders.ts; both go through stock-effects.ts, which owns the ledger
// and the negative-stock rule (allowed, and flagged for a manager).
//
// A count overrides the ledger with what is on the shelf: it writes the difference
// between the counted quantity and the level, as one 'count' movement. Every count is
// also written to the audit log, including one that matched the ledger and so moved
// nothing: "counted on Tuesday, all correct" is worth knowing too.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { stockAdjust, stockCount } from '../../shared/mutators/stock.ts';
import type { MutationContext, ServerMutator } from './context.ts';
import { flagNegativeStock, writeMovements } from './stock-effects.ts';

const NOT_HERE = 'That stock item was not found at this location. Refresh the stock list and try again.';

const REASON_WORDS: Record<ArgsOf<typeof stockAdjust>['reason'], string> = {
  waste: 'waste was recorded',
  receive: 'a delivery was recorded',
  correction: 'a correction was recorded',
};

/**
 * Tombstoned items are accepted: the milk was spilled or delivered whether or not a
 * manager has since taken the item off the list, and the ledger should say so.
 */
async function adjust(ctx: MutationContext, a: ArgsOf<typeof stockAdjust>) {
  const { rows } = await ctx.tx.query(`select 1 from public.inventory_items where id = $1 and location_id = $2`, [a.itemId, ctx.locationId]);
  if (!rows[0]) throw new AppError('NOT_FOUND', NOT_HERE);
  const touched = await writeMovements(ctx, new Map([[a.itemId, a.delta]]), a.reason, { movementId: a.movementId });
  await flagNegativeStock(ctx, touched, REASON_WORDS[a.reason]);
}

async function count(ctx: MutationContext, a: ArgsOf<typeof stockCount>) {
  // Read-then-write: the level must not move between our read and our movement. Touching
  // the item (a no-op update; only its version moves) takes this location's version row
  // lock, which every stock movement also takes until it commits (app.bump_location_version).
  // From here until we commit, no other tablet's sale can slip in, and the level we read
  // below includes every sale already committed. The update also proves the item is here.
  const { rows: [item] } = await ctx.tx.query<{ name: string }>(
    `update public.inventory_items set version = version where id = $1 and location_id = $2 returning name`,
    [a.itemId, ctx.locationId],
  );
  if (!item) throw new AppError('NOT_FOUND', NOT_HERE);
  const { rows: [level] } = await ctx.tx.query<{ quantity: number }>(
    `select quantity from public.stock_levels where id = $1`,
    [a.itemId],
  );
  const before = level?.quantity ?? 0;
  const delta = a.countedQuantity - before;
  await writeMovements(ctx, new Map([[a.itemId, delta]]), 'count', { movementId: a.movementId });
  await ctx.tx.query(
    `insert into public.audit_log (organization_id, location_id, actor_staff_id, action, details)
     values ($1, $2, $3, 'stock.count', $4)`,
    [ctx.organizationId, ctx.locationId, ctx.staffId, JSON.stringify({
      itemId: a.itemId, itemName: item.name, countedQuantity: a.countedQuantity, levelBefore: before, delta,
      movementId: delta === 0 ? null : a.movementId,
    })],
  );
}

export const mutators: Record<string, ServerMutator<any>> = {
  'stock.adjust': adjust,
  'stock.count': count,
};
