// The reconciliation inbox (DESIGN §9, issue #7): every item of the manager's locations,
// newest first, with what happened, where, who, when and the original mutation; and the
// actions that resolve each kind. A resolution changes the business rows it is about
// (a student moved to the waitlist, a stock count, a collected or written-off order, a
// card refunded: inbox-refund.ts asks the gateway first),
// closes the item and writes an audit row, all in one transaction as the signed-in
// manager, so RLS applies and a failure writes nothing. Tablets see the changes by the
// next poke (every write raises the location's version).
import { ACTIONS_BY_KIND, type ResolveRequest } from '../../shared/domain/manager.ts';
import { AppError } from '../../shared/errors.ts';
import type { Tx } from '../db/index.ts';
import { audit, managedLocation, managedLocations, userStaffId, type ManagedLocation } from './access.ts';

export interface InboxFilter {
  locationId?: string;
  kind?: string;
  deviceId?: string;
  status: 'open' | 'resolved' | 'dismissed' | 'all';
}

export async function listInbox(tx: Tx, f: InboxFilter, limit = 200) {
  const locs = await managedLocations(tx);
  const ids = f.locationId ? [(await managedLocation(tx, f.locationId)).id] : locs.map((l) => l.id);
  const { rows } = await tx.query(
    `select r.id, r.kind, r.status, r.summary, r.details, r.occurred_at as "occurredAt", r.resolved_at as "resolvedAt",
            r.resolution, r.order_id as "orderId", r.booking_id as "bookingId",
            l.id as "locationId", l.name as "locationName", d.id as "deviceId", d.name as "deviceName",
            s.name as "staffName", m.name as "mutationName", m.args as "mutationArgs", m.client_time as "clientTime"
     from public.reconciliation_items r
     join public.locations l on l.id = r.location_id
     left join public.devices d on d.id = r.device_id
     left join public.staff s on s.id = r.staff_id
     left join public.mutation_log m on m.client_id = r.client_id and m.mutation_id = r.mutation_id
     where r.location_id = any($1::uuid[]) and not r.deleted
       and ($2::text is null or r.kind = $2) and ($3::uuid is null or r.device_id = $3)
       and ($4 = 'all' or r.status = $4)
     order by r.occurred_at desc, r.id
     limit $5`,
    [ids, f.kind ?? null, f.deviceId ?? null, f.status, limit],
  );
  return rows.map((r) => ({ ...r, actions: ACTIONS_BY_KIND[(r as { kind: string }).kind] ?? ['dismiss'] }));
}

/** Open items per location, for the badge on every manager page and the managers' sync chip. */
export async function openCounts(tx: Tx): Promise<Record<string, number>> {
  const locs = await managedLocations(tx);
  const { rows } = await tx.query<{ location_id: string; n: number }>(
    `select location_id, count(*)::int as n from public.reconciliation_items
     where location_id = any($1::uuid[]) and status = 'open' and not deleted group by 1`,
    [locs.map((l) => l.id)],
  );
  return Object.fromEntries(locs.map((l) => [l.id, rows.find((r) => r.location_id === l.id)?.n ?? 0]));
}

interface Item {
  id: string;
  kind: string;
  status: string;
  location_id: string;
  order_id: string | null;
  booking_id: string | null;
  details: Record<string, unknown>;
}

/** The open item, locked, at a location the manager manages, if `action` applies to its kind. */
export async function lockOpenItem(tx: Tx, itemId: string, action: ResolveRequest['action']): Promise<{ item: Item; loc: ManagedLocation }> {
  await managedLocations(tx); // not a manager at all: 403 before anything else
  const { rows } = await tx.query<Item>(
    `select id, kind, status, location_id, order_id, booking_id, details from public.reconciliation_items
     where id = $1 and not deleted for update`,
    [itemId],
  );
  const item = rows[0];
  if (!item) throw new AppError('NOT_FOUND', 'That item is not in your inbox. Refresh the list.');
  const loc = await managedLocation(tx, item.location_id);
  if (item.status !== 'open') throw new AppError('CONFLICT', `This item was already ${item.status}. Refresh the list.`);
  const allowed = ACTIONS_BY_KIND[item.kind] ?? ['dismiss'];
  if (!allowed.includes(action)) {
    throw new AppError('VALIDATION_FAILED', `“${action}” does not apply to this kind of item; choose one of: ${allowed.join(', ')}.`);
  }
  return { item, loc };
}

export async function resolveItem(tx: Tx, itemId: string, req: ResolveRequest) {
  const { item, loc } = await lockOpenItem(tx, itemId, req.action);
  const effect = await ACTION_EFFECTS[req.action]?.(tx, loc, item, req);
  const resolution = { ...req, ...(effect ?? {}) };
  await tx.query(
    `update public.reconciliation_items set status = $2, resolved_at = now(), resolved_by = auth.uid(), resolution = $3 where id = $1`,
    [item.id, req.action === 'dismiss' ? 'dismissed' : 'resolved', JSON.stringify(resolution)],
  );
  await audit(tx, loc, `reconciliation.${req.action}`, { itemId: item.id, kind: item.kind, ...resolution });
  return { id: item.id, status: req.action === 'dismiss' ? 'dismissed' : 'resolved', resolution };
}

type Effect = (tx: Tx, loc: ManagedLocation, item: Item, req: ResolveRequest) => Promise<Record<string, unknown> | void>;

const ACTION_EFFECTS: Partial<Record<ResolveRequest['action'], Effect>> = {
  /** Over capacity: the student goes back in line (last), and the credit the check-in spent comes back. */
  async move_to_waitlist(tx, loc, item) {
    if (!item.booking_id) throw new AppError('VALIDATION_FAILED', 'This item has no booking to move.');
    const { rows: [b] } = await tx.query<{ id: string; session_id: string; status: string }>(
      `select id, session_id, status from public.bookings where id = $1 and location_id = $2 for update`,
      [item.booking_id, loc.id],
    );
    if (!b) throw new AppError('NOT_FOUND', 'That booking is gone. Dismiss the item instead.');
    if (b.status !== 'checked_in' && b.status !== 'booked') {
      throw new AppError('CONFLICT', `The student is no longer in the class (${b.status.replace('_', ' ')}). Dismiss the item instead.`);
    }
    await tx.query(`select pg_advisory_xact_lock(hashtext('session:' || $1))`, [b.session_id]);
    const { rows: [p] } = await tx.query<{ pos: number }>(
      `update public.bookings set status = 'waitlisted', checked_in_at = null, pass_id = null,
              waitlist_position = (select coalesce(max(waitlist_position), 0) + 1 from public.bookings where session_id = $2 and status = 'waitlisted' and not deleted)
       where id = $1 returning waitlist_position as pos`,
      [b.id, b.session_id],
    );
    const refunded = await tx.query(`update public.credit_ledger set deleted = true where booking_id = $1 and reason = 'check_in' and not deleted returning id`, [b.id]);
    return { bookingId: b.id, waitlistPosition: p.pos, creditReturned: refunded.rows.length > 0 };
  },
  /** Stock below zero: the count is recorded as a movement that brings the level to it. */
  async count(tx, loc, item, req) {
    if (req.action !== 'count') return;
    const itemId = item.details.itemId as string | undefined;
    if (!itemId) throw new AppError('VALIDATION_FAILED', 'This item names no stock item to count.');
    const { rows: [lvl] } = await tx.query<{ quantity: number }>(
      `select coalesce((select quantity from public.stock_levels where id = $1 and location_id = $2), 0)::int as quantity`,
      [itemId, loc.id],
    );
    const delta = req.quantity - lvl.quantity;
    if (delta !== 0) {
      await tx.query(
        `insert into public.stock_movements (id, location_id, item_id, delta, reason, staff_id) values (gen_random_uuid(), $1, $2, $3, 'count', $4)`,
        [loc.id, itemId, delta, await userStaffId(tx, loc.organizationId)],
      );
    }
    return { itemId, before: lvl.quantity, counted: req.quantity, delta };
  },
  /** An unpaid order was paid later, in cash, to the manager. */
  async collect(tx, loc, item, req) {
    if (req.action !== 'collect') return;
    const o = await owedOrder(tx, loc, item);
    if (req.amountCents > o.owed) {
      throw new AppError('VALIDATION_FAILED', `Order ${o.number} owes ${(o.owed / 100).toFixed(2)}; record at most that.`);
    }
    const paymentId = crypto.randomUUID();
    await tx.query(
      `insert into public.payments (id, location_id, order_id, method, amount_cents, status, staff_id) values ($1, $2, $3, 'cash', $4, 'succeeded', $5)`,
      [paymentId, loc.id, o.id, req.amountCents, await userStaffId(tx, loc.organizationId)],
    );
    if (req.amountCents === o.owed) await tx.query(`update public.orders set payment_status = 'paid' where id = $1`, [o.id]);
    return { orderId: o.id, paymentId, owedBefore: o.owed };
  },
  /** The card refund inbox-refund.ts made for this item (its id is the refund's): into the resolution. */
  async refund(tx, loc, item) {
    const { rows: [r] } = await tx.query<{ payment_id: string; amount_cents: number; status: string }>(
      `select payment_id, amount_cents, status from public.refunds where id = $1 and location_id = $2`,
      [item.id, loc.id],
    );
    if (!r) throw new AppError('CONFLICT', 'No refund was made for this item. Try “Refund the card” again.');
    return { refundId: item.id, paymentId: r.payment_id, amountCents: r.amount_cents, refundStatus: r.status };
  },
  /** An unpaid order will not be paid: written off, so the day report shows it as such. */
  async write_off(tx, loc, item) {
    const o = await owedOrder(tx, loc, item);
    await tx.query(`update public.orders set payment_status = 'written_off' where id = $1`, [o.id]);
    return { orderId: o.id, writtenOffCents: o.owed };
  },
};

async function owedOrder(tx: Tx, loc: ManagedLocation, item: Item) {
  if (!item.order_id) throw new AppError('VALIDATION_FAILED', 'This item names no order.');
  const { rows: [o] } = await tx.query<{ id: string; number: string; owed: number; payment_status: string }>(
    `select o.id, o.number, o.payment_status,
            (o.total_cents - coalesce((select sum(p.amount_cents) from public.payments p where p.order_id = o.id and p.status = 'succeeded' and not p.deleted), 0))::int as owed
     from public.orders o where o.id = $1 and o.location_id = $2 for update of o`,
    [item.order_id, loc.id],
  );
  if (!o) throw new AppError('NOT_FOUND', 'That order is gone. Dismiss the item instead.');
  if (o.owed <= 0 || o.payment_status === 'paid') throw new AppError('CONFLICT', `Order ${o.number} is already paid. Dismiss the item instead.`);
  return o;
}
