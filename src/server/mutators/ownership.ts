// The checks a manager's upsert makes before it writes: the ids it names are live rows at
// this location, and the id it saves under is not a row of another location (or, for the
// organization's own tables, another business), which would be refused, never moved.
import { AppError } from '../../shared/errors.ts';
import type { MutationContext } from './context.ts';

/** Refuses with `message` unless every id is a live row of `table` at this location. */
export async function requireHere(ctx: MutationContext, table: string, ids: string | string[], message: string) {
  const list = typeof ids === 'string' ? [ids] : ids;
  const { rows } = await ctx.tx.query<{ n: number }>(
    `select count(*)::int as n from public.${table} where id = any($1::uuid[]) and location_id = $2 and not deleted`,
    [list, ctx.locationId],
  );
  if (rows[0].n !== new Set(list).size) throw new AppError('NOT_FOUND', message);
}

/**
 * Refuses with `message` when `id` is already a row of `table` at another location, or,
 * with `scope` 'organization', of another business.
 */
export async function ownedElsewhere(ctx: MutationContext, table: string, id: string, message = 'That id belongs to another location; make a new one.', scope: 'location' | 'organization' = 'location') {
  const column = scope === 'location' ? 'location_id' : 'organization_id';
  const { rows } = await ctx.tx.query<{ owner: string }>(`select ${column} as owner from public.${table} where id = $1`, [id]);
  if (rows[0] && rows[0].owner !== (scope === 'location' ? ctx.locationId : ctx.organizationId)) throw new AppError('CONFLICT', message);
}
