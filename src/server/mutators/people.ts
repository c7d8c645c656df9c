// People and plans, applied authoritatively (issue #7). Row-level security decides who
// may write: managers change baristas, front desk and instructors of the locations they
// manage; only an owner makes or changes owners and managers; plans are the
// organization's and managers change them. A refusal by RLS is a FORBIDDEN rejection.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { customerMerge, planSave, staffSave, staffSetPin } from '../../shared/mutators/people.ts';
import type { MutationContext, ServerMutator } from './context.ts';
import { ownedElsewhere } from './ownership.ts';

async function saveStaff(ctx: MutationContext, a: ArgsOf<typeof staffSave>) {
  await ownedElsewhere(ctx, 'staff', a.staffId, 'That id belongs to someone else; make a new one.', 'organization');
  const { rows: locs } = await ctx.tx.query<{ id: string }>(
    `select id from public.locations where id = any($1::uuid[]) and organization_id = $2 and not deleted`,
    [a.locationIds, ctx.organizationId],
  );
  if (locs.length !== new Set(a.locationIds).size) throw new AppError('NOT_FOUND', 'One of those locations is not in this business.');
  const saved = await ctx.tx.query(
    `insert into public.staff (id, organization_id, name, role, active) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, role = excluded.role, active = excluded.active
     returning id`,
    [a.staffId, ctx.organizationId, a.name, a.role, a.active],
  );
  if (!saved.rows[0]) throw new AppError('FORBIDDEN', 'Only an owner can change an owner or a manager.');
  await ctx.tx.query(
    `insert into public.staff_locations (staff_id, location_id) select $1, unnest($2::uuid[])
     on conflict (staff_id, location_id) do update set deleted = false where public.staff_locations.deleted`,
    [a.staffId, a.locationIds],
  );
  // no longer working at a location: tombstoned, so its tablets drop them from "who's working"
  await ctx.tx.query(
    `update public.staff_locations set deleted = true where staff_id = $1 and not (location_id = any($2::uuid[])) and not deleted`,
    [a.staffId, a.locationIds],
  );
}

async function setPin(ctx: MutationContext, a: ArgsOf<typeof staffSetPin>) {
  const r = await ctx.tx.query(
    `update public.staff set pin_hash = $2, pin_salt = $3, pin_iterations = $4 where id = $1 and organization_id = $5 and not deleted returning id`,
    [a.staffId, a.pinHash, a.pinSalt, a.pinIterations, ctx.organizationId],
  );
  if (!r.rows[0]) throw new AppError('NOT_FOUND', 'That person is not on your staff list (or only an owner may change their PIN).');
}

async function savePlan(ctx: MutationContext, a: ArgsOf<typeof planSave>) {
  await ownedElsewhere(ctx, 'plans', a.planId, 'That id belongs to another business; make a new one.', 'organization');
  await ctx.tx.query(
    `insert into public.plans (id, organization_id, name, kind, credits, duration_days, price_cents, active) values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (id) do update set name = excluded.name, kind = excluded.kind, credits = excluded.credits,
       duration_days = excluded.duration_days, price_cents = excluded.price_cents, active = excluded.active`,
    [a.planId, ctx.organizationId, a.name, a.kind, a.credits, a.durationDays, a.priceCents, a.active],
  );
}

/**
 * Two records for one person (two desks each added the walk-in while offline): everything
 * of `from` moves to `into` (bookings, passes and their credits, points, orders, waivers),
 * contact details `into` lacks are kept, and `from` is tombstoned. A class both were
 * booked into keeps `into`'s booking; `from`'s is cancelled.
 */
async function merge(ctx: MutationContext, a: ArgsOf<typeof customerMerge>) {
  const { rows } = await ctx.tx.query<{ id: string; email: string | null; phone: string | null; code: string | null; notes: string | null }>(
    `select id, email, phone, code, notes from public.customers where id = any($1::uuid[]) and organization_id = $2 and not deleted for update`,
    [[a.fromCustomerId, a.intoCustomerId], ctx.organizationId],
  );
  const { rows: [whole] } = await ctx.tx.query<{ ok: boolean }>(`select app.manages_whole_org($1) as ok`, [ctx.organizationId]);
  if (!whole.ok) throw new AppError('FORBIDDEN', 'Merging members changes every location’s records; ask the owner, or a manager of every location.');
  const from = rows.find((r) => r.id === a.fromCustomerId);
  const into = rows.find((r) => r.id === a.intoCustomerId);
  if (!from || !into) throw new AppError('NOT_FOUND', 'Both members must be current members of this business.');
  await ctx.tx.query(
    `update public.bookings b set status = 'cancelled', waitlist_position = null, cancelled_at = now()
     where b.customer_id = $1 and b.status not in ('cancelled','late_cancelled') and not b.deleted
       and exists (select 1 from public.bookings i where i.customer_id = $2 and i.session_id = b.session_id and i.status not in ('cancelled','late_cancelled') and not i.deleted)`,
    [from.id, into.id],
  );
  for (const t of ['bookings', 'customer_passes', 'credit_ledger', 'loyalty_ledger', 'waivers', 'orders']) {
    await ctx.tx.query(`update public.${t} set customer_id = $2 where customer_id = $1`, [from.id, into.id]);
  }
  await ctx.tx.query(`update public.customers set deleted = true, code = null where id = $1`, [from.id]);
  await ctx.tx.query(
    `update public.customers set email = coalesce(email, $2), phone = coalesce(phone, $3), code = coalesce(code, $4),
            notes = case when $5::text is null then notes when notes is null then $5 else notes || E'\\n' || $5 end
     where id = $1`,
    [into.id, from.email, from.phone, from.code, from.notes],
  );
}

export const mutators: Record<string, ServerMutator<any>> = {
  'staff.save': saveStaff,
  'staff.setPin': setPin,
  'plan.save': savePlan,
  'customer.merge': merge,
};
