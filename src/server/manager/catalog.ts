// What the console's catalog and schedule pages read (issue #7): categories, products
// with availability, inventory items with their levels and the low-stock list, class
// types, the coming two weeks of classes with their bookings, and the staff here.
import type { Tx } from '../db/index.ts';
import { managedLocation } from './access.ts';

export async function catalogOf(tx: Tx, locationId: string) {
  const loc = await managedLocation(tx, locationId);
  const q = async (sql: string, p: unknown[] = [loc.id]) => (await tx.query(sql, p)).rows;
  const [categories, products, inventory, classTypes, sessions, staff] = await Promise.all([
    q(`select id, name, sort from public.categories where location_id = $1 and not deleted order by sort, name`),
    q(`select p.id, p.category_id as "categoryId", p.name, p.price_cents as "priceCents", p.tax_rate_bps as "taxRateBps", p.barcode, p.active, p.sort,
              coalesce(a.sold_out, false) as "soldOut"
       from public.products p left join public.product_availability a on a.product_id = p.id and not a.deleted
       where p.location_id = $1 and not p.deleted order by p.sort, p.name`),
    q(`select i.id, i.name, i.unit, i.low_stock_threshold as "lowStockThreshold", coalesce(l.quantity, 0)::int as quantity,
              coalesce(l.quantity, 0) <= i.low_stock_threshold as low
       from public.inventory_items i left join public.stock_levels l on l.id = i.id
       where i.location_id = $1 and not i.deleted order by (coalesce(l.quantity, 0) <= i.low_stock_threshold) desc, i.name`),
    q(`select id, name, duration_minutes as "durationMinutes", default_capacity as "defaultCapacity" from public.class_types where location_id = $1 and not deleted order by name`),
    q(`select s.id, s.class_type_id as "classTypeId", ct.name, s.starts_at as "startsAt", s.capacity, s.room, s.cancelled,
              s.instructor_staff_id as "instructorStaffId", s.substitute_staff_id as "substituteStaffId",
              count(b.id) filter (where b.status in ('booked','checked_in'))::int as booked,
              count(b.id) filter (where b.status = 'waitlisted')::int as waitlisted
       from public.class_sessions s join public.class_types ct on ct.id = s.class_type_id
       left join public.bookings b on b.session_id = s.id and not b.deleted
       where s.location_id = $1 and not s.deleted and s.starts_at > now() - interval '1 day' and s.starts_at < now() + interval '15 days'
       group by s.id, ct.name order by s.starts_at, ct.name`),
    q(`select s.id, s.name, s.role from public.staff s join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = $1 and not sl.deleted
       where s.active and not s.deleted order by s.name`),
  ]);
  return { location: loc, categories, products, inventory, lowStock: inventory.filter((i) => (i as { low: boolean }).low), classTypes, sessions, staff };
}
