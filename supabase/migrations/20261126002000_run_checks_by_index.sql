-- The set path's "would any sale of the run be refused?" check (20261126001800) could read
-- every order of the location on each push. Its plan is cached by each connection the first
-- time it runs, while the location has a handful of orders, and kept while the table grows:
-- a plan that walks the location's orders beside each sale's number costs nothing at 20
-- orders and reads them all at 2,000 (4 ms a push in a storm of pushes of 10, a third of
-- PostgreSQL's time, and growing with every sale the café makes; the same for the
-- organization's customers, read whole to check a sale's customer). The check is now
-- app.run_refused: each sale looks its number, its order id and its customer up by index,
-- one probe each (LATERAL … LIMIT 1 cannot be turned into a join the other way round), and
-- its statements are planned afresh on every call (plan_cache_mode), for the table as it is
-- then: a few hundred microseconds of planning a push, against a cost that followed the
-- café's history. tests/sync/sale-sets.test.ts counts the buffers it reads before and after
-- 3,000 sales.
--
-- app.order_create_run is otherwise the one of 20261126001800, word for word but for the
-- device code it no longer reads (a migration that has landed is not edited); the next
-- change to the check replaces app.run_refused alone.

-- True when app.order_create would refuse some sale of the run (c: the push context; ms:
-- the run's order.create mutations).
create function app.run_refused(c jsonb, ms jsonb) returns boolean
language plpgsql stable security invoker set search_path = '' set plan_cache_mode = force_custom_plan
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  org uuid := (c->>'organizationId')::uuid;
  code text := c->>'deviceCode';
begin
  -- a number of another device's, or a customer not of this organization
  if exists (select 1 from app.run_sales(ms) s
             where left(s.number, length(code) + 1) is distinct from code || '-'
                or (s.customer_id is not null
                    and not exists (select 1 from (select 1 from public.customers cu
                                                   where cu.id = s.customer_id and cu.organization_id = org limit 1) known))) then
    return true;
  end if;
  -- an order or a number twice in the run
  if (select count(distinct s.order_id) <> count(*) or count(distinct s.number) <> count(*) from app.run_sales(ms) s) then
    return true;
  end if;
  -- an order already recorded
  if exists (select 1 from app.run_sales(ms) s
             cross join lateral (select 1 from public.orders o where o.id = s.order_id limit 1) used) then
    return true;
  end if;
  -- a number already used at this location
  return exists (select 1 from app.run_sales(ms) s
                 cross join lateral (select 1 from public.orders o where o.location_id = loc and o.number = s.number limit 1) used);
end $$;

create or replace function app.order_create_run(c jsonb, ms jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  org uuid := (c->>'organizationId')::uuid;
  dev uuid := (c->>'deviceId')::uuid;
  l record;
  lines jsonb;
  mv jsonb;
begin
  -- Anything app.order_create would refuse, in any sale of the run: the one-by-one path says why.
  if app.run_refused(c, ms) then
    perform app.refuse_run();
  end if;

  select x.tax_rate_bps, x.loyalty_points_per_dollar into l from public.locations x where x.id = loc;

  -- Every line priced as app.order_create prices it; "plain" when it is on the menu at the
  -- menu's price (anything else is refused or flagged, one sale at a time).
  select jsonb_agg(jsonb_build_object(
           'ord', i.ord, 'order_id', i.order_id, 'id', i.id, 'product_id', i.product_id, 'name', p.name, 'quantity', i.quantity,
           'unit_price_cents', i.unit, 'modifiers', m.mods, 'line_total_cents', i.quantity::bigint * i.unit,
           'tax_rate_bps', coalesce(p.tax_rate_bps, l.tax_rate_bps),
           'line_tax', (i.quantity::bigint * i.unit * coalesce(p.tax_rate_bps, l.tax_rate_bps) * 2 + 10000) / 20000,
           'plain', p.id is not null and m.known and i.unit = p.price_cents + m.delta
         ) order by i.ord, i.n)
  into lines
  from (
    select s.ord, s.order_id, x.n, x.id, x."productId" as product_id, x.quantity, x."unitPriceCents" as unit, x."modifierIds" as mod_ids
    from app.run_sales(ms) s
    cross join lateral rows from (jsonb_to_recordset(s.items) as (id uuid, "productId" uuid, quantity integer, "unitPriceCents" integer, "modifierIds" jsonb))
         with ordinality as x(id, "productId", quantity, "unitPriceCents", "modifierIds", n)
  ) i
  left join public.products p on p.id = i.product_id and p.location_id = loc
  cross join lateral (
    select coalesce(jsonb_agg(jsonb_build_object('id', md.id, 'name', md.name, 'priceDeltaCents', md.price_delta_cents) order by e.ord)
                      filter (where md.id is not null), '[]'::jsonb) as mods,
           coalesce(sum(md.price_delta_cents), 0)::integer as delta,
           bool_and(md.id is not null) is not false as known
    from jsonb_array_elements_text(i.mod_ids) with ordinality as e(mid, ord)
    left join public.modifiers md on md.id = e.mid::uuid and md.location_id = loc
  ) m;

  if exists (select 1 from jsonb_to_recordset(lines) as x(plain boolean) where not x.plain)
     or exists (select 1 from app.run_totals(lines) t where t.sub + t.tax > 2147483647) then
    perform app.refuse_run();
  end if;

  -- What each sale used through its recipes, one movement per sale and item (app.sale_movements).
  -- Worked out before the first write: from there on the location's version row is locked
  -- (the version triggers) until the push commits, and every other tablet there waits.
  with owners as (
    select s.ord, (x->>'productId')::uuid as owner, (x->>'quantity')::integer as q
    from app.run_sales(ms) s, jsonb_array_elements(s.items) x
    union all
    select s.ord, mid::uuid, (x->>'quantity')::integer
    from app.run_sales(ms) s, jsonb_array_elements(s.items) x, jsonb_array_elements_text(x->'modifierIds') mid
  ), used as (
    select o.ord, rl.item_id, -sum(o.q * rl.quantity)::integer as delta
    from owners o join public.recipe_lines rl on coalesce(rl.product_id, rl.modifier_id) = o.owner
    where rl.location_id = loc and not rl.deleted
    group by o.ord, rl.item_id
  )
  select jsonb_agg(jsonb_build_object('ord', u.ord, 'order_id', s.order_id, 'staff_id', s.staff_id, 'item_id', u.item_id, 'delta', u.delta)
                   order by u.ord, u.item_id)
  into mv from used u join app.run_sales(ms) s on s.ord = u.ord where u.delta <> 0;

  insert into public.orders (id, location_id, device_id, number, staff_id, customer_id, status, payment_status,
                             subtotal_cents, tax_cents, total_cents, note, client_time)
  select s.order_id, loc, dev, s.number, s.staff_id, s.customer_id, 'received', 'unpaid', t.sub, t.tax, t.sub + t.tax, s.note, s.client_time
  from app.run_sales(ms) s join app.run_totals(lines) t on t.ord = s.ord
  order by s.ord;

  insert into public.order_items (id, location_id, order_id, product_id, name, quantity, unit_price_cents, modifiers, line_total_cents, tax_rate_bps)
  select x.id, loc, x.order_id, x.product_id, x.name, x.quantity, x.unit_price_cents, x.modifiers, x.line_total_cents, x.tax_rate_bps
  from jsonb_to_recordset(lines) as x(order_id uuid, id uuid, product_id uuid, name text, quantity integer,
                                      unit_price_cents integer, modifiers jsonb, line_total_cents integer, tax_rate_bps integer);

  insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
  select gen_random_uuid(), org, loc, s.customer_id, ((t.sub + t.tax) / 100) * l.loyalty_points_per_dollar, 'earn', s.order_id
  from app.run_sales(ms) s join app.run_totals(lines) t on t.ord = s.ord
  where s.customer_id is not null and ((t.sub + t.tax) / 100) * l.loyalty_points_per_dollar > 0
  order by s.ord;

  if mv is null then return; end if;

  insert into public.stock_movements (id, location_id, item_id, delta, reason, order_id, staff_id, device_id)
  select gen_random_uuid(), loc, x.item_id, x.delta, 'sale', x.order_id, x.staff_id, dev
  from jsonb_to_recordset(mv) as x(item_id uuid, delta integer, order_id uuid, staff_id uuid);

  -- Each item that went below zero with no open item for it is flagged once, by the first
  -- sale after which it was below zero, with the level it had then: what app.sale_movements
  -- flags when the sales are applied one by one.
  with m as (
    select x.ord, x.item_id, x.delta from jsonb_to_recordset(mv) as x(ord bigint, item_id uuid, delta integer)
  ), levels as (
    select m.ord, m.item_id,
           sl.quantity - sum(m.delta) over (partition by m.item_id)
                       + sum(m.delta) over (partition by m.item_id order by m.ord) as quantity
    from m join public.stock_levels sl on sl.id = m.item_id
  ), first_below as (
    select distinct on (v.item_id) v.item_id, v.ord, v.quantity from levels v where v.quantity < 0 order by v.item_id, v.ord
  )
  insert into public.reconciliation_items (location_id, kind, summary, details, device_id, staff_id, client_id, mutation_id, order_id)
  select loc, 'negative_stock',
         left(format('%s went below zero (%s %s) after order %s. Count it, or record the delivery that was missed.', ii.name, f.quantity, ii.unit, s.number), 500),
         jsonb_build_object('itemId', ii.id, 'itemName', ii.name, 'unit', ii.unit, 'quantity', f.quantity, 'orderId', s.order_id),
         dev, s.staff_id, (c->>'clientId')::uuid, s.mutation_id, s.order_id
  from first_below f
  join public.inventory_items ii on ii.id = f.item_id
  join app.run_sales(ms) s on s.ord = f.ord
  where not exists (select 1 from public.reconciliation_items r
                    where r.location_id = loc and r.kind = 'negative_stock' and r.status = 'open'
                      and not r.deleted and r.details ->> 'itemId' = ii.id::text)
  order by f.ord, f.item_id;
end $$;

revoke execute on function app.run_refused(jsonb, jsonb) from public, anon;
grant execute on function app.run_refused(jsonb, jsonb) to authenticated;
