// Café orders, applied authoritatively (DESIGN §6 per-domain rules): ringing up (copying
// names and prices, using stock through recipes, earning loyalty), cash payments into the
// open drawer, "pay later", the bar queue's forward-only status, and manager voids that
// give the stock and points back.
//
// Orders were rung up on a tablet that was often offline, and the customer has already
// paid what the screen said. So the sale as rung up is what we record: a price that
// differs from today's menu, stock going below zero or an unpaid order is applied and
// flagged for a manager (DESIGN §9); only what cannot be a real sale is refused (a number
// that is not this tablet's, a product this café never had, an order id used twice).
//
// Mutations on an existing order first lock its row (FOR UPDATE), so a payment, a status
// change and a void arriving from two tablets at once are applied one after the other and
// each sees the other's result.
import { formatCents } from '../../shared/domain/money.ts';
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { orderCreate, orderMarkPayLater, orderPayCash, orderSetStatus, orderVoid } from '../../shared/mutators/orders.ts';
import { runSqlMutator, type MutationContext, type ServerMutator } from './context.ts';
import { flagLoyaltyOverdraft } from './customers.ts';
import { flagNegativeStock, writeMovements } from './stock-effects.ts';

interface Order {
  id: string;
  number: string;
  status: string;
  payment_status: string;
  total_cents: number;
  currency: string;
}

async function lockOrder(ctx: MutationContext, orderId: string): Promise<Order> {
  const { rows } = await ctx.tx.query<Order>(
    `select o.id, o.number, o.status, o.payment_status, o.total_cents, l.currency
     from public.orders o join public.locations l on l.id = o.location_id
     where o.id = $1 and o.location_id = $2 and not o.deleted
     for update of o`,
    [orderId, ctx.locationId],
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'That order was not found at this location. Refresh the order list and try again.');
  return rows[0];
}

// order.create, order.payCash and order.setStatus are PL/pgSQL functions (one round trip
// each instead of ten; see supabase/migrations/20261126000900_push_fast_path.sql for the
// rules, which are the ones described above). The push loop runs consecutive ones in a
// single call (app.apply_mutations); these wrappers are the same mutators for any other
// caller.
export const sqlMutatorNames: ReadonlySet<string> = new Set(['order.create', 'order.payCash', 'order.setStatus']);

const createOrder: ServerMutator<ArgsOf<typeof orderCreate>> = (ctx, a) => runSqlMutator(ctx, 'order_create', a);
const payCash: ServerMutator<ArgsOf<typeof orderPayCash>> = (ctx, a) => runSqlMutator(ctx, 'order_pay_cash', a);
const setStatus: ServerMutator<ArgsOf<typeof orderSetStatus>> = (ctx, a) => runSqlMutator(ctx, 'order_set_status', a);

async function markPayLater(ctx: MutationContext, a: ArgsOf<typeof orderMarkPayLater>) {
  const o = await lockOrder(ctx, a.orderId);
  // Already pay-later, paid (a card went through first) or voided: nothing is owed anew.
  if (o.payment_status !== 'unpaid' || o.status === 'voided') return;
  await ctx.tx.query(`update public.orders set payment_status = 'pay_later' where id = $1`, [o.id]);
  await ctx.flag(
    'unpaid_order',
    `Order ${o.number} (${formatCents(o.total_cents, o.currency)}) was handed over unpaid, to pay later. Collect it or write it off.`,
    { orderId: o.id, number: o.number, totalCents: o.total_cents },
    { orderId: o.id },
  );
}

/**
 * A void undoes the sale's side effects: the ingredients go back on the shelf (a 'void'
 * movement per item, the negative of what the sale took) and the points come back out (a
 * 'void' ledger row per customer, the negative of what the order earned and redeemed, so
 * points spent on a voided order are returned too). Payments are not touched: giving
 * money back is a refund (DESIGN §8). The reason goes to the audit log.
 */
async function voidOrder(ctx: MutationContext, a: ArgsOf<typeof orderVoid>) {
  const o = await lockOrder(ctx, a.orderId);
  if (o.status === 'voided') return;
  await ctx.tx.query(`update public.orders set status = 'voided', voided_at = now() where id = $1`, [o.id]);

  const { rows: sold } = await ctx.tx.query<{ item_id: string; delta: number }>(
    `select item_id, sum(delta)::int as delta from public.stock_movements
     where order_id = $1 and reason = 'sale' and not deleted group by item_id`,
    [o.id],
  );
  const touched = await writeMovements(ctx, new Map(sold.map((s) => [s.item_id, -s.delta])), 'void', { orderId: o.id });
  await flagNegativeStock(ctx, touched, `voiding order ${o.number}`, o.id);

  const { rows: points } = await ctx.tx.query<{ customer_id: string; name: string; net: number }>(
    `select l.customer_id, c.name, sum(l.delta_points)::int as net
     from public.loyalty_ledger l join public.customers c on c.id = l.customer_id
     where l.order_id = $1 and l.reason in ('earn','redeem') and not l.deleted
     group by l.customer_id, c.name having sum(l.delta_points) <> 0`,
    [o.id],
  );
  for (const p of points) {
    await ctx.tx.query(
      `insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
       values (gen_random_uuid(), $1, $2, $3, $4, 'void', $5)`,
      [ctx.organizationId, ctx.locationId, p.customer_id, -p.net, o.id],
    );
    if (p.net > 0) {
      await flagLoyaltyOverdraft(ctx, { id: p.customer_id, name: p.name }, `lost the ${p.net} points earned on voided order ${o.number}`, { orderId: o.id });
    }
  }

  await ctx.tx.query(
    `insert into public.audit_log (organization_id, location_id, actor_staff_id, action, details)
     values ($1, $2, $3, 'order.void', $4)`,
    [ctx.organizationId, ctx.locationId, ctx.staffId, JSON.stringify({ orderId: o.id, number: o.number, reason: a.reason, deviceId: ctx.deviceId })],
  );
}

export const mutators: Record<string, ServerMutator<any>> = {
  'order.create': createOrder,
  'order.payCash': payCash,
  'order.markPayLater': markPayLater,
  'order.setStatus': setStatus,
  'order.void': voidOrder,
};
