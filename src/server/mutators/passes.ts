// Passes and credits for the studio mutators (studio.ts): which pass pays for a check-in,
// charging it once, and selling a pass. Kept apart from bookings because the money side
// (ledger, payment, drawer) has rules of its own and is what a reviewer of cash checks.
//
// Credits are a ledger (DESIGN §4): a pass's balance is the sum of its credit_ledger rows,
// never a number a tablet overwrites. Two check-ins spending the same pack from two
// tablets both write a −1; whoever writes second sees the first, because a ledger insert
// takes the organization's version row lock (app.bump_org_version) until commit, and the
// balance is read after our own insert. So an overdraft is always seen and flagged.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { passAdjust, passSell } from '../../shared/mutators/studio.ts';
import type { MutationContext } from './context.ts';
import type { Tx } from '../db/index.ts';

export interface PassChoice {
  id: string;
  kind: 'drop_in' | 'pack' | 'unlimited';
  planName: string;
}

/** The student, in this organization; a refusal that does not say whether they exist elsewhere. */
export async function requireCustomer(ctx: MutationContext, customerId: string): Promise<{ id: string; name: string }> {
  const { rows } = await ctx.tx.query<{ id: string; name: string }>(
    `select id, name from public.customers where id = $1 and organization_id = $2 and not deleted`,
    [customerId, ctx.organizationId],
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'That student was not found. Search for them again or add them.');
  return rows[0];
}

/**
 * The pass that pays for a check-in into `sessionId`, or null when the student has none
 * usable. Validity is judged at the class's start, not at the time of the push: a tablet
 * that was offline all evening still checked the student in before their pass ran out.
 * A pass's own start is not checked, so a drop-in sold to a student who arrives late
 * pays for the class already running.
 */
export async function choosePass(ctx: MutationContext, customerId: string, sessionId: string, passId?: string): Promise<PassChoice | null> {
  if (passId) {
    // The desk chose this pass: honour it even if it is empty (that is an overdraft,
    // flagged later), but never charge a pass that had expired by the class.
    const { rows } = await ctx.tx.query<PassChoice & { expired: boolean; expired_on: string | null }>(
      `select p.id, p.kind, pl.name as "planName",
              coalesce(p.expires_at < s.starts_at, false) as expired,
              to_char(p.expires_at at time zone l.timezone, 'FMDD Mon YYYY') as expired_on
       from public.customer_passes p
       join public.plans pl on pl.id = p.plan_id
       join public.class_sessions s on s.id = $4
       join public.locations l on l.id = s.location_id
       where p.id = $1 and p.customer_id = $2 and p.organization_id = $3 and not p.deleted`,
      [passId, customerId, ctx.organizationId, sessionId],
    );
    const p = rows[0];
    if (!p) throw new AppError('NOT_FOUND', 'That pass is not one of this student’s passes. Pick another pass or sell a new one.');
    if (p.expired) {
      throw new AppError('VALIDATION_FAILED', `This student’s ${p.planName} pass expired on ${p.expired_on}, before this class; sell a new pass.`);
    }
    return { id: p.id, kind: p.kind, planName: p.planName };
  }
  // No pass named: an unlimited pass first (it costs the student nothing per class),
  // else the credit pass that expires soonest (so credits are used before they lapse;
  // passes that never expire, like a drop-in, last), oldest first on a tie. Empty and
  // expired passes are not usable.
  const { rows } = await ctx.tx.query<PassChoice>(
    `select p.id, p.kind, pl.name as "planName"
     from public.customer_passes p
     join public.plans pl on pl.id = p.plan_id
     where p.customer_id = $1 and p.organization_id = $2 and not p.deleted
       and (p.expires_at is null or p.expires_at >= (select starts_at from public.class_sessions where id = $3))
       and (p.kind = 'unlimited'
            or (select coalesce(sum(c.delta), 0) from public.credit_ledger c where c.pass_id = p.id and not c.deleted) > 0)
     order by (p.kind = 'unlimited') desc, p.expires_at asc nulls last, p.starts_at, p.id
     limit 1`,
    [customerId, ctx.organizationId, sessionId],
  );
  return rows[0] ?? null;
}

/**
 * Charges a check-in to its pass: one credit per booking, ever. The unique partial index
 * credit_ledger_one_check_in_per_booking is the guarantee; ON CONFLICT DO NOTHING makes a
 * second charge for the same booking a quiet no-op instead of a refusal.
 */
export async function chargeCheckIn(
  ctx: MutationContext,
  pass: PassChoice | null,
  c: { bookingId: string; customerId: string; customerName: string; sessionId: string; sessionLabel: string },
): Promise<void> {
  const refs = { bookingId: c.bookingId };
  if (!pass) {
    await ctx.flag('pass_overdraft', `${c.customerName} was checked in to ${c.sessionLabel} without a pass.`, {
      customerId: c.customerId, sessionId: c.sessionId, bookingId: c.bookingId, passId: null,
    }, refs);
    return;
  }
  if (pass.kind === 'unlimited') return;
  const inserted = await ctx.tx.query(
    `insert into public.credit_ledger (id, organization_id, location_id, pass_id, customer_id, delta, reason, booking_id)
     values (gen_random_uuid(), $1, $2, $3, $4, -1, 'check_in', $5)
     on conflict (booking_id) where reason = 'check_in' and not deleted do nothing
     returning id`,
    [ctx.organizationId, ctx.locationId, pass.id, c.customerId, c.bookingId],
  );
  if (inserted.rows.length === 0) return;
  const { rows } = await ctx.tx.query<{ balance: number }>(
    `select coalesce(sum(delta), 0)::int as balance from public.credit_ledger where pass_id = $1 and not deleted`,
    [pass.id],
  );
  const balance = rows[0].balance;
  if (balance < 0) {
    await ctx.flag('pass_overdraft', `${c.customerName}’s ${pass.planName} pass is overdrawn (${balance} credits) after ${c.sessionLabel}.`, {
      customerId: c.customerId, sessionId: c.sessionId, bookingId: c.bookingId, passId: pass.id, balance,
    }, refs);
  }
}

/**
 * A sold pass and its purchased credits. Used by pass.sell and by the card payment that
 * sells a pass (src/server/payments/pass-sales.ts). The server's clock starts the pass
 * (DESIGN §4: a tablet's clock decides nothing).
 */
export async function insertPass(
  tx: Tx,
  s: { passId: string; organizationId: string; customerId: string; locationId: string; plan: { id: string; kind: string; credits: number | null; duration_days: number | null } },
): Promise<void> {
  await tx.query(
    `insert into public.customer_passes
       (id, organization_id, customer_id, plan_id, kind, credits_total, starts_at, expires_at, sold_at_location_id)
     values ($1, $2, $3, $4, $5, $6, now(), now() + make_interval(days => $7::int), $8)`,
    [s.passId, s.organizationId, s.customerId, s.plan.id, s.plan.kind, s.plan.credits, s.plan.duration_days, s.locationId],
  );
  if (s.plan.credits !== null) {
    await tx.query(
      `insert into public.credit_ledger (id, organization_id, location_id, pass_id, customer_id, delta, reason)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, 'purchase')`,
      [s.organizationId, s.locationId, s.passId, s.customerId, s.plan.credits],
    );
  }
}

/** pass.sell: the pass, its credits, and the money (cash now, or a reconciliation item). */
export async function sellPass(ctx: MutationContext, a: ArgsOf<typeof passSell>): Promise<void> {
  const { rows } = await ctx.tx.query<{ name: string; kind: string; credits: number | null; duration_days: number | null; price_cents: number; active: boolean }>(
    `select name, kind, credits, duration_days, price_cents, active
     from public.plans where id = $1 and organization_id = $2 and not deleted`,
    [a.planId, ctx.organizationId],
  );
  const plan = rows[0];
  if (!plan) throw new AppError('NOT_FOUND', 'That plan was not found. Refresh the plan list and try again.');
  if (!plan.active) throw new AppError('VALIDATION_FAILED', `The ${plan.name} plan is no longer sold; choose another plan.`);
  const customer = await requireCustomer(ctx, a.customerId);

  await insertPass(ctx.tx, { passId: a.passId, organizationId: ctx.organizationId, customerId: a.customerId, locationId: ctx.locationId, plan: { id: a.planId, ...plan } });

  const sale = { planId: a.planId, passId: a.passId, customerId: a.customerId, priceCents: plan.price_cents };
  if (a.payment.method === 'pay_later') {
    await ctx.flag('unpaid_order', `${plan.name} pass sold to ${customer.name}, to be paid later.`, sale);
    return;
  }
  const paid = a.payment.amountCents;
  await ctx.tx.query(
    `insert into public.payments (id, location_id, order_id, method, amount_cents, staff_id, device_id)
     values ($1, $2, null, 'cash', $3, $4, $5)`,
    [a.payment.paymentId, ctx.locationId, paid, ctx.staffId, ctx.deviceId],
  );
  // The price the desk charged stands (the customer paid it); a difference from the plan's
  // current price is for a manager to look at, as with café orders (DESIGN §6).
  if (paid !== plan.price_cents) {
    await ctx.flag('price_difference', `${plan.name} pass sold to ${customer.name} for ${paid} cents; the plan’s price is ${plan.price_cents}.`, {
      ...sale, paymentId: a.payment.paymentId, paidCents: paid,
    });
  }
  // The cash goes into this tablet's drawer if one is open; without one the payment row
  // still records it, and the drawer count has nothing to miss.
  const drawer = await ctx.tx.query<{ id: string }>(
    `select id from public.drawer_sessions where device_id = $1 and location_id = $2 and status = 'open' and not deleted`,
    [ctx.deviceId, ctx.locationId],
  );
  if (drawer.rows[0] && paid > 0) {
    await ctx.tx.query(
      `insert into public.drawer_movements (id, location_id, drawer_session_id, kind, amount_cents, order_id, note, staff_id)
       values (gen_random_uuid(), $1, $2, 'sale', $3, null, $4, $5)`,
      [ctx.locationId, drawer.rows[0].id, paid, `${plan.name} pass`.slice(0, 500), ctx.staffId],
    );
  }
}

/** pass.adjust: a manager's correction of a pass, as a ledger entry and/or a new expiry. */
export async function adjustPass(ctx: MutationContext, a: ArgsOf<typeof passAdjust>): Promise<void> {
  const { rows: [pass] } = await ctx.tx.query<{ credits_total: number | null; starts_at: Date }>(
    `select credits_total, starts_at from public.customer_passes where id = $1 and organization_id = $2 and not deleted for update`,
    [a.passId, ctx.organizationId],
  );
  if (!pass) throw new AppError('NOT_FOUND', 'That pass was not found. Refresh the member’s passes.');
  const { rows: done } = await ctx.tx.query(`select 1 from public.credit_ledger where id = $1`, [a.entryId]);
  if (a.credits !== 0 && !done[0]) {
    if (pass.credits_total === null) throw new AppError('VALIDATION_FAILED', 'An unlimited pass has no credits to change; change its expiry instead.');
    await ctx.tx.query(
      `insert into public.credit_ledger (id, organization_id, location_id, pass_id, customer_id, delta, reason)
       select $1, organization_id, $2, id, customer_id, $3, 'adjust' from public.customer_passes where id = $4`,
      [a.entryId, ctx.locationId, a.credits, a.passId],
    );
  }
  if (a.expiresAt !== undefined) {
    if (Date.parse(a.expiresAt) <= new Date(pass.starts_at).getTime()) throw new AppError('VALIDATION_FAILED', 'A pass cannot expire before it starts; choose a later date.');
    await ctx.tx.query(`update public.customer_passes set expires_at = $2 where id = $1`, [a.passId, a.expiresAt]);
  }
}
