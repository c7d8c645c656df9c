// product.setSoldOut: "86" a product at this location, or bring it back. Availability
// lives in its own table because baristas may change it and may not change products.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { productSetSoldOut } from '../../shared/mutators/catalog.ts';
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

export const mutators: Record<string, ServerMutator<any>> = {
  'product.setSoldOut': setSoldOut,
};
