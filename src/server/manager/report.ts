// The day report of one location (issue #7): sales by tender, tax, tips, refunds, voids,
// discounts, items sold, classes attended, passes sold and the cash drawers, for one
// calendar day in the location's timezone. It is provisional while the day is not over
// or any of the location's tablets has not reached the server since it ended (they may
// still hold sales of that day), and final after. Every figure is a sum over the ledgers
// (orders, payments, refunds, bookings, passes, drawer sessions), read as the manager.
import type { Tx } from '../db/index.ts';
import { managedLocation } from './access.ts';

export async function dayReport(tx: Tx, locationId: string, day?: string) {
  const loc = await managedLocation(tx, locationId);
  const { rows: [b] } = await tx.query<{ day: string; t0: Date; t1: Date; over: boolean }>(
    `select d::text as day, (d::timestamp at time zone $2) as t0, ((d + 1)::timestamp at time zone $2) as t1,
            now() >= ((d + 1)::timestamp at time zone $2) as over
     from (select coalesce($1::date, (now() at time zone $2)::date) as d) x`,
    [day ?? null, loc.timezone],
  );
  const p = [loc.id, b.t0, b.t1];
  const one = async <T>(sql: string, params: unknown[] = p) => (await tx.query<T>(sql, params)).rows;

  const [orders] = await one<{ count: number; subtotal: number; discount: number; tax: number; tips: number; total: number }>(
    `select count(*)::int as count, coalesce(sum(subtotal_cents), 0)::int as subtotal, coalesce(sum(discount_cents), 0)::int as discount,
            coalesce(sum(tax_cents), 0)::int as tax, coalesce(sum(tip_cents), 0)::int as tips, coalesce(sum(total_cents), 0)::int as total
     from public.orders where location_id = $1 and created_at >= $2 and created_at < $3 and status <> 'voided' and not deleted`,
  );
  const [voids] = await one<{ count: number; total: number }>(
    `select count(*)::int as count, coalesce(sum(total_cents), 0)::int as total
     from public.orders where location_id = $1 and voided_at >= $2 and voided_at < $3 and status = 'voided' and not deleted`,
  );
  const tenders = await one<{ method: string; count: number; amount: number; tips: number }>(
    `select method, count(*)::int as count, coalesce(sum(amount_cents), 0)::int as amount, coalesce(sum(tip_cents), 0)::int as tips
     from public.payments where location_id = $1 and created_at >= $2 and created_at < $3 and status = 'succeeded' and not deleted
     group by method order by method`,
  );
  const refunds = await one<{ method: string; count: number; amount: number }>(
    `select p.method, count(*)::int as count, coalesce(sum(r.amount_cents), 0)::int as amount
     from public.refunds r join public.payments p on p.id = r.payment_id
     where r.location_id = $1 and r.created_at >= $2 and r.created_at < $3 and r.status = 'succeeded' and not r.deleted
     group by p.method order by p.method`,
  );
  const [payLater] = await one<{ count: number; total: number }>(
    `select count(*)::int as count, coalesce(sum(total_cents), 0)::int as total
     from public.orders where location_id = $1 and created_at >= $2 and created_at < $3 and payment_status = 'pay_later' and status <> 'voided' and not deleted`,
  );
  const items = await one<{ name: string; quantity: number; total: number }>(
    `select i.name, sum(i.quantity)::int as quantity, sum(i.line_total_cents)::int as total
     from public.order_items i join public.orders o on o.id = i.order_id
     where o.location_id = $1 and o.created_at >= $2 and o.created_at < $3 and o.status <> 'voided' and not o.deleted and not i.deleted
     group by i.name order by quantity desc, i.name`,
  );
  const classes = await one<{ id: string; name: string; startsAt: string; capacity: number; attended: number; noShows: number; booked: number }>(
    `select s.id, ct.name, s.starts_at as "startsAt", s.capacity,
            count(*) filter (where bk.status = 'checked_in')::int as attended,
            count(*) filter (where bk.status = 'no_show')::int as "noShows",
            count(*) filter (where bk.status in ('booked','checked_in','no_show'))::int as booked
     from public.class_sessions s join public.class_types ct on ct.id = s.class_type_id
     left join public.bookings bk on bk.session_id = s.id and not bk.deleted
     where s.location_id = $1 and s.starts_at >= $2 and s.starts_at < $3 and not s.deleted and not s.cancelled
     group by s.id, ct.name order by s.starts_at, ct.name`,
  );
  const passes = await one<{ plan: string; count: number; listTotal: number }>(
    `select pl.name as plan, count(*)::int as count, sum(pl.price_cents)::int as "listTotal"
     from public.customer_passes cp join public.plans pl on pl.id = cp.plan_id
     where cp.sold_at_location_id = $1 and cp.created_at >= $2 and cp.created_at < $3 and not cp.deleted
     group by pl.name order by pl.name`,
  );
  const drawers = await one<{ id: string; device: string | null; status: string; openedAt: string; closedAt: string | null; expected: number | null; counted: number | null; variance: number | null }>(
    `select s.id, d.name as device, s.status, s.opened_at as "openedAt", s.closed_at as "closedAt",
            s.expected_cents as expected, s.counted_cents as counted, s.variance_cents as variance
     from public.drawer_sessions s left join public.devices d on d.id = s.device_id
     where s.location_id = $1 and not s.deleted and ((s.closed_at >= $2 and s.closed_at < $3) or (s.opened_at < $3 and s.status = 'open'))
     order by s.opened_at`,
  );
  // Tablets that may still hold this day's sales: registered, not revoked, and not heard
  // from (a push, or a token refresh, which a syncing tablet does) since the day ended.
  const behind = await one<{ id: string; name: string; lastSeen: string | null }>(
    `select d.id, d.name, greatest(d.last_seen_at, (select max(c.last_seen_at) from public.sync_clients c where c.device_id = d.id)) as "lastSeen"
     from public.devices d
     where d.location_id = $1 and d.revoked_at is null and not d.deleted and d.created_at < $2
       and coalesce(greatest(d.last_seen_at, (select max(c.last_seen_at) from public.sync_clients c where c.device_id = d.id)), '-infinity') < $2
     order by d.name`,
    [loc.id, b.t1],
  );
  const refundTotal = refunds.reduce((s, r) => s + r.amount, 0);
  const taken = tenders.reduce((s, t) => s + t.amount, 0);
  return {
    location: { id: loc.id, name: loc.name, timezone: loc.timezone, currency: loc.currency },
    day: b.day,
    final: b.over && behind.length === 0,
    provisionalBecause: !b.over ? 'The day is not over yet.' : behind.length ? `Waiting for ${behind.map((d) => d.name).join(', ')} to sync.` : null,
    devicesBehind: behind,
    orders,
    voids,
    tenders,
    refunds,
    payLater,
    totals: { taken, refunded: refundTotal, net: taken - refundTotal },
    items,
    classes: { sessions: classes, attended: classes.reduce((s, c) => s + c.attended, 0), noShows: classes.reduce((s, c) => s + c.noShows, 0) },
    passes,
    drawers,
  };
}

export type DayReport = Awaited<ReturnType<typeof dayReport>>;

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV of one day's orders, payments or check-ins (formula-like cells are quoted). */
export async function dayCsv(tx: Tx, locationId: string, what: 'orders' | 'payments' | 'checkins', day?: string): Promise<string> {
  const loc = await managedLocation(tx, locationId);
  const range = `(select coalesce($2::date, (now() at time zone $3)::date) as d) x`;
  const t0 = `(x.d::timestamp at time zone $3)`;
  const t1 = `((x.d + 1)::timestamp at time zone $3)`;
  const sql = {
    orders: `select o.number, o.created_at, o.status, o.payment_status, o.subtotal_cents, o.discount_cents, o.tax_cents, o.tip_cents, o.total_cents, d.name as device, s.name as staff
             from public.orders o left join public.devices d on d.id = o.device_id left join public.staff s on s.id = o.staff_id, ${range}
             where o.location_id = $1 and o.created_at >= ${t0} and o.created_at < ${t1} and not o.deleted order by o.created_at`,
    payments: `select p.created_at, p.method, p.amount_cents, p.tip_cents, p.tendered_cents, p.status, o.number as order_number, p.stripe_payment_intent_id
               from public.payments p left join public.orders o on o.id = p.order_id, ${range}
               where p.location_id = $1 and p.created_at >= ${t0} and p.created_at < ${t1} and not p.deleted order by p.created_at`,
    checkins: `select b.checked_in_at, c.name as student, ct.name as class, cs.starts_at, pl.name as pass
               from public.bookings b join public.customers c on c.id = b.customer_id
               join public.class_sessions cs on cs.id = b.session_id join public.class_types ct on ct.id = cs.class_type_id
               left join public.customer_passes cp on cp.id = b.pass_id left join public.plans pl on pl.id = cp.plan_id, ${range}
               where b.location_id = $1 and b.status = 'checked_in' and cs.starts_at >= ${t0} and cs.starts_at < ${t1} and not b.deleted order by cs.starts_at, c.name`,
  }[what];
  const res = await tx.query<Record<string, unknown>>(sql, [loc.id, day ?? null, loc.timezone]);
  const cols = res.rows[0] ? Object.keys(res.rows[0]) : [];
  return [cols.join(','), ...res.rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** One day's payments with what is left to refund on each (the console's refund list). */
export async function dayPayments(tx: Tx, locationId: string, day?: string) {
  const loc = await managedLocation(tx, locationId);
  const { rows } = await tx.query(
    `select p.id, p.created_at as "createdAt", p.method, p.amount_cents as "amountCents", p.tip_cents as "tipCents", p.status,
            o.number as "orderNumber", d.name as device,
            (p.amount_cents + p.tip_cents - coalesce((select sum(r.amount_cents) from public.refunds r
               where r.payment_id = p.id and r.status in ('succeeded','pending') and not r.deleted), 0))::int as "refundableCents"
     from public.payments p left join public.orders o on o.id = p.order_id left join public.devices d on d.id = p.device_id,
          (select coalesce($2::date, (now() at time zone $3)::date) as d) x
     where p.location_id = $1 and not p.deleted and p.status = 'succeeded'
       and p.created_at >= (x.d::timestamp at time zone $3) and p.created_at < ((x.d + 1)::timestamp at time zone $3)
     order by p.created_at desc`,
    [loc.id, day ?? null, loc.timezone],
  );
  return rows;
}
