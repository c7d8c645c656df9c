// What the console's catalog and schedule pages read (issue #7): categories, products
// with availability and the option groups each offers, option groups with their options,
// the recipes of products and options, inventory items with their levels and the low-stock list, class
// types, the coming two weeks of classes with their bookings, and the staff here.
import type { Tx } from '../db/index.ts';
import { managedLocation } from './access.ts';

export async function catalogOf(tx: Tx, locationId: string) {
  const loc = await managedLocation(tx, locationId);
  const q = async (sql: string, p: unknown[] = [loc.id]) => (await tx.query(sql, p)).rows;
  const [categories, products, inventory, classTypes, sessions, staff, modifierGroups, recipeLines] = await Promise.all([
    q(`select id, name, sort from public.categories where location_id = $1 and not deleted order by sort, name`),
    q(`select p.id, p.category_id as "categoryId", p.name, p.price_cents as "priceCents", p.tax_rate_bps as "taxRateBps", p.barcode, p.active, p.sort,
              coalesce(a.sold_out, false) as "soldOut",
              coalesce((select jsonb_agg(g.group_id order by g.sort) from public.product_modifier_groups g
                        join public.modifier_groups mg on mg.id = g.group_id and not mg.deleted
                        where g.product_id = p.id and not g.deleted), '[]'::jsonb) as "groupIds"
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
    q(`select g.id, g.name, g.min_select as "minSelect", g.max_select as "maxSelect", g.sort,
              coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'name', m.name, 'priceDeltaCents', m.price_delta_cents, 'isDefault', m.is_default, 'sort', m.sort)
                                 order by m.sort, m.name) filter (where m.id is not null), '[]'::jsonb) as modifiers
       from public.modifier_groups g left join public.modifiers m on m.group_id = g.id and not m.deleted
       where g.location_id = $1 and not g.deleted group by g.id order by g.sort, g.name`),
    q(`select r.id, r.product_id as "productId", r.modifier_id as "modifierId", r.item_id as "itemId", r.quantity
       from public.recipe_lines r join public.inventory_items i on i.id = r.item_id
       where r.location_id = $1 and not r.deleted order by i.name`),
  ]);
  return { location: loc, categories, products, modifierGroups, recipeLines, inventory, lowStock: inventory.filter((i) => (i as { low: boolean }).low), classTypes, sessions, staff };
}
