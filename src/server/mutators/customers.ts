// Customers and loyalty, applied authoritatively (DESIGN §4, §6). Customers are org-wide:
// the café's loyalty members and the studio's students are the same people, so a record
// made at one location is everyone's. Points are a ledger (loyalty_ledger): earned by
// sales (orders.ts), spent here; redeeming past the balance is allowed, because the
// customer already has their free coffee, and flagged for a manager. Points redeemed on
// an order are money off that order at the location's reward rate.
//
// The balance is read after our own ledger row is in: the insert takes the organization's
// version row lock (app.bump_org_version) until commit, so two tablets redeeming for the
// same customer at once are applied one after the other and the second sees the first.
import { rewardDiscountCents } from '../../shared/domain/money.ts';
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { customerCreate, customerUpdate, loyaltyRedeem } from '../../shared/mutators/customers.ts';
import type { MutationContext, ServerMutator } from './context.ts';

export interface CustomerRef {
  id: string;
  name: string;
}

/**
 * A customer of this organization. Something that already happened at the counter (a
 * sale, a free coffee) may name a customer a manager has since removed: `removed: true`
 * accepts the tombstone, so the sale is not lost. Editing a removed record is refused.
 */
export async function findCustomer(ctx: MutationContext, customerId: string, opts: { removed?: boolean } = {}): Promise<CustomerRef | null> {
  const { rows } = await ctx.tx.query<CustomerRef>(
    `select id, name from public.customers where id = $1 and organization_id = $2 and ($3 or not deleted)`,
    [customerId, ctx.organizationId, opts.removed ?? false],
  );
  return rows[0] ?? null;
}

export async function requireCustomer(ctx: MutationContext, customerId: string, opts: { removed?: boolean } = {}): Promise<CustomerRef> {
  const c = await findCustomer(ctx, customerId, opts);
  if (!c) throw new AppError('NOT_FOUND', 'That customer was not found. Search for them again, or add them as a new customer.');
  return c;
}

export async function loyaltyBalance(ctx: MutationContext, customerId: string): Promise<number> {
  const { rows } = await ctx.tx.query<{ balance: number }>(
    `select coalesce(sum(delta_points), 0)::int as balance from public.loyalty_ledger where customer_id = $1 and not deleted`,
    [customerId],
  );
  return rows[0].balance;
}

/** Flags a negative balance; `what` completes "<name> …" (e.g. "redeemed 50 points"). Call after writing the ledger. */
export async function flagLoyaltyOverdraft(ctx: MutationContext, customer: CustomerRef, what: string, refs: { orderId?: string } = {}): Promise<void> {
  const balance = await loyaltyBalance(ctx, customer.id);
  if (balance >= 0) return;
  await ctx.flag(
    'loyalty_overdraft',
    `${customer.name} ${what} and is now ${-balance} loyalty points in the red. Decide whether to let it stand or adjust their points.`,
    { customerId: customer.id, customerName: customer.name, balance, ...(refs.orderId ? { orderId: refs.orderId } : {}) },
    refs,
  );
}

async function createCustomer(ctx: MutationContext, a: ArgsOf<typeof customerCreate>) {
  const { rows: existing } = await ctx.tx.query(`select 1 from public.customers where id = $1`, [a.customerId]);
  if (existing[0]) throw new AppError('CONFLICT', 'This customer was already added.');
  if (a.code !== undefined) {
    // Tombstoned records keep their code (the unique constraint still holds it), so they count.
    const { rows } = await ctx.tx.query(`select 1 from public.customers where organization_id = $1 and code = $2`, [ctx.organizationId, a.code]);
    if (rows[0]) throw new AppError('CONFLICT', `The card code ${a.code} already belongs to another customer. Scan a new card, or find that customer instead.`);
  }
  await ctx.tx.query(
    `insert into public.customers (id, organization_id, name, email, phone, code) values ($1, $2, $3, $4, $5, $6)`,
    [a.customerId, ctx.organizationId, a.name, a.email ?? null, a.phone ?? null, a.code ?? null],
  );
}

/** Only the fields the tablet sent change; a field sent as null is cleared. */
async function updateCustomer(ctx: MutationContext, a: ArgsOf<typeof customerUpdate>) {
  await requireCustomer(ctx, a.customerId);
  const fields = { name: a.name, email: a.email, phone: a.phone, notes: a.notes };
  const set = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (set.length === 0) return;
  // Column names come from the fixed list above, never from input.
  await ctx.tx.query(
    `update public.customers set ${set.map(([k], i) => `${k} = $${i + 2}`).join(', ')} where id = $1`,
    [a.customerId, ...set.map(([, v]) => v)],
  );
}

async function redeem(ctx: MutationContext, a: ArgsOf<typeof loyaltyRedeem>) {
  const customer = await requireCustomer(ctx, a.customerId, { removed: true });
  let discount = 0;
  if (a.orderId) {
    // Points spent on an order are money off it (the location's reward rate), up to what is
    // still owed. The order row is locked so a payment arriving from another tablet at the
    // same moment sees the new total. A voided order gets no discount; the points are
    // recorded all the same (the customer had the reward) and a manager can return them.
    const { rows } = await ctx.tx.query<{ total_cents: number; status: string; paid: number; reward_points: number; reward_cents: number }>(
      `select o.total_cents, o.status, l.loyalty_reward_points as reward_points, l.loyalty_reward_cents as reward_cents,
              coalesce((select sum(p.amount_cents) from public.payments p where p.order_id = o.id and p.status = 'succeeded' and not p.deleted), 0)::int as paid
       from public.orders o join public.locations l on l.id = o.location_id
       where o.id = $1 and o.location_id = $2 and not o.deleted
       for update of o`,
      [a.orderId, ctx.locationId],
    );
    const o = rows[0];
    if (!o) throw new AppError('NOT_FOUND', 'The order these points were spent on was not found at this location.');
    if (o.status !== 'voided') {
      discount = rewardDiscountCents(a.points, { points: o.reward_points, cents: o.reward_cents }, o.total_cents - o.paid);
    }
    if (discount > 0) {
      await ctx.tx.query(
        `update public.orders set discount_cents = discount_cents + $2, total_cents = total_cents - $2,
                payment_status = case when payment_status = 'unpaid' and total_cents - $2 <= $3 then 'paid' else payment_status end
         where id = $1`,
        [a.orderId, discount, o.paid],
      );
    }
  }
  await ctx.tx.query(
    `insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
     values ($1, $2, $3, $4, $5, 'redeem', $6)`,
    [a.entryId, ctx.organizationId, ctx.locationId, a.customerId, -a.points, a.orderId ?? null],
  );
  await flagLoyaltyOverdraft(ctx, customer, `redeemed ${a.points} points`, a.orderId ? { orderId: a.orderId } : {});
}

export const mutators: Record<string, ServerMutator<any>> = {
  'customer.create': createCustomer,
  'customer.update': updateCustomer,
  'loyalty.redeem': redeem,
};
