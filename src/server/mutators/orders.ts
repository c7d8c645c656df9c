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
import { formatCents, lineTotal, orderTotals, pointsEarned, type PricedLine } from '../../shared/domain/money.ts';
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import { ORDER_STATUS_RANK } from '../../shared/mutators/orders.ts';
import type { orderCreate, orderMarkPayLater, orderPayCash, orderSetStatus, orderVoid } from '../../shared/mutators/orders.ts';
import type { MutationContext, ServerMutator } from './context.ts';
import { findCustomer, flagLoyaltyOverdraft } from './customers.ts';
import { flagNegativeStock, recipeUsage, writeMovements } from './stock-effects.ts';

const MAX_CENTS = 2_147_483_647; // the integer columns' ceiling

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

async function createOrder(ctx: MutationContext, a: ArgsOf<typeof orderCreate>) {
  // Numbers are made offline as "<device code>-<sequence>"; only the prefix keeps two
  // tablets from ever making the same one.
  if (!a.number.startsWith(`${ctx.deviceCode}-`)) {
    throw new AppError('VALIDATION_FAILED', `Order number ${a.number} is not this tablet’s (its numbers start with ${ctx.deviceCode}-). Check which tablet this queue came from.`);
  }
  const { rows: taken } = await ctx.tx.query<{ same_id: boolean }>(
    `select id = $1 as same_id from public.orders where id = $1 or (location_id = $2 and number = $3)`,
    [a.orderId, ctx.locationId, a.number],
  );
  if (taken.some((r) => r.same_id)) throw new AppError('CONFLICT', `Order ${a.number} was already recorded; it was not added twice.`);
  if (taken[0]) throw new AppError('CONFLICT', `Order number ${a.number} is already used by another order here. Reset this tablet’s order numbering.`);

  const { rows: [loc] } = await ctx.tx.query<{ tax_rate_bps: number; loyalty_points_per_dollar: number; currency: string }>(
    `select tax_rate_bps, loyalty_points_per_dollar, currency from public.locations where id = $1`,
    [ctx.locationId],
  );
  // Removed or inactive products and modifiers still count: they were on the menu when
  // the customer paid. Only what this location never had is refused.
  const { rows: products } = await ctx.tx.query<{ id: string; name: string; price_cents: number; tax_rate_bps: number | null }>(
    `select id, name, price_cents, tax_rate_bps from public.products where location_id = $1 and id = any($2::uuid[])`,
    [ctx.locationId, a.items.map((i) => i.productId)],
  );
  const { rows: modifiers } = await ctx.tx.query<{ id: string; name: string; price_delta_cents: number }>(
    `select id, name, price_delta_cents from public.modifiers where location_id = $1 and id = any($2::uuid[])`,
    [ctx.locationId, a.items.flatMap((i) => i.modifierIds)],
  );
  const product = new Map(products.map((p) => [p.id, p]));
  const modifier = new Map(modifiers.map((m) => [m.id, m]));
  if (a.items.some((i) => !product.has(i.productId))) {
    throw new AppError('NOT_FOUND', 'An item on this order is not on this location’s menu. Refresh the menu and ring it up again.');
  }
  if (a.items.some((i) => i.modifierIds.some((m) => !modifier.has(m)))) {
    throw new AppError('NOT_FOUND', 'An option on this order (size, milk, extra) is not on this location’s menu. Refresh the menu and ring it up again.');
  }
  const customer = a.customerId ? await findCustomer(ctx, a.customerId, { removed: true }) : null;
  if (a.customerId && !customer) throw new AppError('NOT_FOUND', 'The loyalty customer on this order was not found. Ring it up without them, or add them first.');

  const lines = a.items.map((i) => {
    const p = product.get(i.productId)!;
    const mods = i.modifierIds.map((m) => modifier.get(m)!);
    const priced: PricedLine = { quantity: i.quantity, unitPriceCents: i.unitPriceCents, taxRateBps: p.tax_rate_bps ?? loc.tax_rate_bps };
    const menuCents = p.price_cents + mods.reduce((s, m) => s + m.price_delta_cents, 0);
    return { item: i, name: p.name, mods, priced, menuCents };
  });
  const totals = orderTotals(lines.map((l) => l.priced));
  if (totals.totalCents > MAX_CENTS) throw new AppError('VALIDATION_FAILED', 'This order’s total is too large to record. Split it into several orders.');

  await ctx.tx.query(
    `insert into public.orders (id, location_id, device_id, number, staff_id, customer_id, status, payment_status,
                                subtotal_cents, tax_cents, total_cents, note, client_time)
     values ($1, $2, $3, $4, $5, $6, 'received', 'unpaid', $7, $8, $9, $10, $11)`,
    [a.orderId, ctx.locationId, ctx.deviceId, a.number, ctx.staffId, a.customerId ?? null,
      totals.subtotalCents, totals.taxCents, totals.totalCents, a.note ?? null, ctx.clientTime],
  );
  await ctx.tx.query(
    `insert into public.order_items (id, location_id, order_id, product_id, name, quantity, unit_price_cents, modifiers, line_total_cents, tax_rate_bps)
     select x.id, $1, $2, x.product_id, x.name, x.quantity, x.unit_price_cents, x.modifiers, x.line_total_cents, x.tax_rate_bps
     from jsonb_to_recordset($3::jsonb) as x(id uuid, product_id uuid, name text, quantity integer, unit_price_cents integer,
                                             modifiers jsonb, line_total_cents integer, tax_rate_bps integer)`,
    [ctx.locationId, a.orderId, JSON.stringify(lines.map((l) => ({
      id: l.item.id, product_id: l.item.productId, name: l.name, quantity: l.item.quantity, unit_price_cents: l.item.unitPriceCents,
      modifiers: l.mods.map((m) => ({ id: m.id, name: m.name, priceDeltaCents: m.price_delta_cents })),
      line_total_cents: lineTotal(l.priced), tax_rate_bps: l.priced.taxRateBps,
    })))],
  );

  const differing = lines.filter((l) => l.item.unitPriceCents !== l.menuCents);
  if (differing.length > 0) {
    const net = differing.reduce((s, l) => s + (l.item.unitPriceCents - l.menuCents) * l.item.quantity, 0);
    const howMuch = net === 0 ? 'the same total' : `${formatCents(Math.abs(net), loc.currency)} ${net < 0 ? 'less' : 'more'} in total`;
    await ctx.flag(
      'price_difference',
      `Order ${a.number} was rung up at prices that differ from the menu on ${differing.length} line${differing.length > 1 ? 's' : ''} (${howMuch}); it was recorded as rung up.`,
      {
        orderId: a.orderId, number: a.number, netDifferenceCents: net,
        lines: differing.map((l) => ({
          orderItemId: l.item.id, productId: l.item.productId, name: l.name, quantity: l.item.quantity,
          rungUpCents: l.item.unitPriceCents, menuCents: l.menuCents,
        })),
      },
      { orderId: a.orderId },
    );
  }

  const usage = await recipeUsage(ctx, a.items);
  const used = new Map([...usage].map(([item, q]) => [item, -q]));
  const touched = await writeMovements(ctx, used, 'sale', { orderId: a.orderId });
  await flagNegativeStock(ctx, touched, `order ${a.number}`, a.orderId);

  if (customer) {
    const points = pointsEarned(totals.totalCents, loc.loyalty_points_per_dollar);
    if (points > 0) {
      await ctx.tx.query(
        `insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
         values (gen_random_uuid(), $1, $2, $3, $4, 'earn', $5)`,
        [ctx.organizationId, ctx.locationId, customer.id, points, a.orderId],
      );
    }
  }
}

async function payCash(ctx: MutationContext, a: ArgsOf<typeof orderPayCash>) {
  if (a.tenderedCents < a.amountCents) {
    throw new AppError('VALIDATION_FAILED', 'The cash handed over is less than the amount paid. Enter what the customer gave.');
  }
  const o = await lockOrder(ctx, a.orderId);
  if (o.status === 'voided') throw new AppError('CONFLICT', `Order ${o.number} was voided, so it cannot take a payment. Give the cash back or ring up a new order.`);
  const paid = await paidCents(ctx, o.id);
  if (o.payment_status === 'paid' || paid >= o.total_cents) {
    throw new AppError('CONFLICT', `Order ${o.number} is already paid (${formatCents(paid, o.currency)}); this payment was not recorded twice.`);
  }
  // The change is tendered − amount; an amount past what is owed would put more cash on
  // the order (and in the drawer's expected total) than the sale was worth.
  if (a.amountCents > o.total_cents - paid) {
    throw new AppError('CONFLICT', `Order ${o.number} has ${formatCents(o.total_cents - paid, o.currency)} left to pay, less than this payment of ${formatCents(a.amountCents, o.currency)}. Record what is owed and give the rest as change.`);
  }
  await ctx.tx.query(
    `insert into public.payments (id, location_id, order_id, method, amount_cents, tendered_cents, status, staff_id, device_id)
     values ($1, $2, $3, 'cash', $4, $5, 'succeeded', $6, $7)`,
    [a.paymentId, ctx.locationId, o.id, a.amountCents, a.tenderedCents, ctx.staffId, ctx.deviceId],
  );
  if (paid + a.amountCents >= o.total_cents) {
    await ctx.tx.query(`update public.orders set payment_status = 'paid' where id = $1`, [o.id]);
  }
  // FOR SHARE: a close of this drawer running now waits for this sale, or we see it closed.
  const { rows: [drawer] } = await ctx.tx.query<{ id: string }>(
    `select id from public.drawer_sessions where device_id = $1 and location_id = $2 and status = 'open' and not deleted for share`,
    [ctx.deviceId, ctx.locationId],
  );
  if (drawer) {
    await ctx.tx.query(
      `insert into public.drawer_movements (id, location_id, drawer_session_id, kind, amount_cents, order_id, staff_id)
       values (gen_random_uuid(), $1, $2, 'sale', $3, $4, $5)`,
      [ctx.locationId, drawer.id, a.amountCents, o.id, ctx.staffId],
    );
  }
}

async function paidCents(ctx: MutationContext, orderId: string): Promise<number> {
  const { rows } = await ctx.tx.query<{ paid: number }>(
    `select coalesce(sum(amount_cents), 0)::int as paid from public.payments where order_id = $1 and status = 'succeeded' and not deleted`,
    [orderId],
  );
  return rows[0].paid;
}

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

/** Forward only: a late "ready" after "completed", or anything after a void, changes nothing. */
async function setStatus(ctx: MutationContext, a: ArgsOf<typeof orderSetStatus>) {
  const o = await lockOrder(ctx, a.orderId);
  if (ORDER_STATUS_RANK[a.status] <= ORDER_STATUS_RANK[o.status]) return;
  await ctx.tx.query(`update public.orders set status = $2 where id = $1`, [o.id, a.status]);
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
