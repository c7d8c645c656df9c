-- Group commit of a location's pushes (issue #3). Twenty tablets reconnecting at once each
-- keep a push in flight; a push's latency is what is in flight ahead of it divided by how
-- fast the location's writes go (they go one at a time: they all take its version row).
-- Small pushes keep what is in flight small, but each call of the sale set costs the
-- database about 3.7 ms of work of its own (a dozen statements' planning, checks and row-
-- level security), so pushes of 10 made the storm twice as long. The server now applies
-- the pushes waiting at a location together (src/server/sync/push.ts), and their sales in
-- one call of the sale set: each sale carries its own push's device, order-number code and
-- client, which app.order_create_run and app.run_refused read from the sale, falling back
-- to the push context c (one push alone, as before).
--
-- app.run_refused and app.order_create_run are those of 20261126002000 but for where the
-- device, its code and the client come from (a migration that has landed is not edited).
-- app.apply_group is app.apply_as_sets's hoisted case for several pushes.

-- The run's sales as app.run_sales gives them, with the device, order-number code and
-- client each came from: its own (a group's sales) or the push's.
create function app.set_sales(c jsonb, ms jsonb)
returns table (ord bigint, mutation_id bigint, staff_id uuid, client_time timestamptz, order_id uuid, number text, customer_id uuid, note text, items jsonb,
               device_id uuid, device_code text, client_id uuid)
language sql immutable
as $$
  select r.ord, (r.m->>'id')::bigint, (r.m->>'staffId')::uuid, (r.m->>'clientTime')::timestamptz,
         a."orderId", a.number, a."customerId", a.note, a.items,
         coalesce(r.m->>'deviceId', c->>'deviceId')::uuid, coalesce(r.m->>'deviceCode', c->>'deviceCode'), coalesce(r.m->>'clientId', c->>'clientId')::uuid
  from jsonb_array_elements(ms) with ordinality as r(m, ord)
  cross join lateral jsonb_to_record(r.m->'args') as a("orderId" uuid, number text, "customerId" uuid, note text, items jsonb)
$$;

-- True when app.order_create would refuse some sale of the run (c: the push context; ms:
-- the run's order.create mutations, each perhaps with its own device, code and client).
create or replace function app.run_refused(c jsonb, ms jsonb) returns boolean
language plpgsql stable security invoker set search_path = '' set plan_cache_mode = force_custom_plan
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  org uuid := (c->>'organizationId')::uuid;
begin
  -- a number of another device's, or a customer not of this organization
  if exists (select 1 from app.set_sales(c, ms) s
             where left(s.number, length(s.device_code) + 1) is distinct from s.device_code || '-'
                or (s.customer_id is not null
                    and not exists (select 1 from (select 1 from public.customers cu
                                                   where cu.id = s.customer_id and cu.organization_id = org limit 1) known))) then
    return true;
  end if;
  -- an order or a number twice in the run
  if (select count(distinct s.order_id) <> count(*) or count(distinct s.number) <> count(*) from app.set_sales(c, ms) s) then
    return true;
  end if;
  -- an order already recorded
  if exists (select 1 from app.set_sales(c, ms) s
             cross join lateral (select 1 from public.orders o where o.id = s.order_id limit 1) used) then
    return true;
  end if;
  -- a number already used at this location
  return exists (select 1 from app.set_sales(c, ms) s
                 cross join lateral (select 1 from public.orders o where o.location_id = loc and o.number = s.number limit 1) used);
end $$;

create or replace function app.order_create_run(c jsonb, ms jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  org uuid := (c->>'organizationId')::uuid;
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
    from app.set_sales(c, ms) s
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
    from app.set_sales(c, ms) s, jsonb_array_elements(s.items) x
    union all
    select s.ord, mid::uuid, (x->>'quantity')::integer
    from app.set_sales(c, ms) s, jsonb_array_elements(s.items) x, jsonb_array_elements_text(x->'modifierIds') mid
  ), used as (
    select o.ord, rl.item_id, -sum(o.q * rl.quantity)::integer as delta
    from owners o join public.recipe_lines rl on coalesce(rl.product_id, rl.modifier_id) = o.owner
    where rl.location_id = loc and not rl.deleted
    group by o.ord, rl.item_id
  )
  select jsonb_agg(jsonb_build_object('ord', u.ord, 'order_id', s.order_id, 'staff_id', s.staff_id, 'device_id', s.device_id, 'item_id', u.item_id, 'delta', u.delta)
                   order by u.ord, u.item_id)
  into mv from used u join app.set_sales(c, ms) s on s.ord = u.ord where u.delta <> 0;

  insert into public.orders (id, location_id, device_id, number, staff_id, customer_id, status, payment_status,
                             subtotal_cents, tax_cents, total_cents, note, client_time)
  select s.order_id, loc, s.device_id, s.number, s.staff_id, s.customer_id, 'received', 'unpaid', t.sub, t.tax, t.sub + t.tax, s.note, s.client_time
  from app.set_sales(c, ms) s join app.run_totals(lines) t on t.ord = s.ord
  order by s.ord;

  insert into public.order_items (id, location_id, order_id, product_id, name, quantity, unit_price_cents, modifiers, line_total_cents, tax_rate_bps)
  select x.id, loc, x.order_id, x.product_id, x.name, x.quantity, x.unit_price_cents, x.modifiers, x.line_total_cents, x.tax_rate_bps
  from jsonb_to_recordset(lines) as x(order_id uuid, id uuid, product_id uuid, name text, quantity integer,
                                      unit_price_cents integer, modifiers jsonb, line_total_cents integer, tax_rate_bps integer);

  insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
  select gen_random_uuid(), org, loc, s.customer_id, ((t.sub + t.tax) / 100) * l.loyalty_points_per_dollar, 'earn', s.order_id
  from app.set_sales(c, ms) s join app.run_totals(lines) t on t.ord = s.ord
  where s.customer_id is not null and ((t.sub + t.tax) / 100) * l.loyalty_points_per_dollar > 0
  order by s.ord;

  if mv is null then return; end if;

  insert into public.stock_movements (id, location_id, item_id, delta, reason, order_id, staff_id, device_id)
  select gen_random_uuid(), loc, x.item_id, x.delta, 'sale', x.order_id, x.staff_id, x.device_id
  from jsonb_to_recordset(mv) as x(item_id uuid, delta integer, order_id uuid, staff_id uuid, device_id uuid);

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
         s.device_id, s.staff_id, s.client_id, s.mutation_id, s.order_id
  from first_below f
  join public.inventory_items ii on ii.id = f.item_id
  join app.set_sales(c, ms) s on s.ord = f.ord
  where not exists (select 1 from public.reconciliation_items r
                    where r.location_id = loc and r.kind = 'negative_stock' and r.status = 'open'
                      and not r.deleted and r.details ->> 'itemId' = ii.id::text)
  order by f.ord, f.item_id;
end $$;


-- Several pushes of one location at once (runs: [{ c, ms }], each as app.apply_mutations
-- takes them, in the group's order; c: the first push's context, whose claims are set).
-- True when it applied them all: every sale of the group as one set, then each push's
-- payments and status changes in the group's order, under its own context. False, with
-- nothing written, when anything would be refused or flagged differently from applying
-- the pushes one after another, or when a payment or status change comes before the sale
-- of its own order anywhere in the group: the caller then applies each push as before.
create function app.apply_group(c jsonb, runs jsonb) returns boolean
language plpgsql security invoker set search_path = ''
as $$
declare
  ms jsonb;
  sales jsonb;
  hoist boolean;
  r record;
  st text;
begin
  select jsonb_agg(x.m || jsonb_build_object('deviceId', g.r->'c'->'deviceId', 'deviceCode', g.r->'c'->'deviceCode', 'clientId', g.r->'c'->'clientId')
                   order by g.gi, x.i)
  into ms
  from jsonb_array_elements(runs) with ordinality as g(r, gi), jsonb_array_elements(g.r->'ms') with ordinality as x(m, i);
  select jsonb_agg(x.m order by x.i) into sales from jsonb_array_elements(ms) with ordinality as x(m, i) where x.m->>'name' = 'order.create';
  if sales is null then return false; end if;
  -- as app.apply_as_sets, across the whole group (compared as uuids, as the mutators compare them)
  select coalesce(bool_and(x.m->>'name' = 'order.create' or not exists (
           select 1 from jsonb_array_elements(ms) with ordinality as y(m, i)
           where y.i > x.i and y.m->>'name' = 'order.create' and (y.m->'args'->>'orderId')::uuid = (x.m->'args'->>'orderId')::uuid)), false)
  into hoist
  from jsonb_array_elements(ms) with ordinality as x(m, i);
  if not hoist then return false; end if;
  begin
    perform app.order_create_run(c, sales);
    for r in
      select g.r->'c' as rc,
             (select jsonb_agg(x.m order by x.i) from jsonb_array_elements(g.r->'ms') with ordinality as x(m, i) where x.m->>'name' <> 'order.create') as rest
      from jsonb_array_elements(runs) with ordinality as g(r, gi)
      order by g.gi
    loop
      if r.rest is not null then
        perform app.apply_in_order(r.rc, r.rest);
      end if;
    end loop;
    return true;
  exception when others then
    get stacked diagnostics st = returned_sqlstate;
    if app.is_transient(st) then raise; end if;
    return false;
  end;
end $$;

revoke execute on function app.set_sales(jsonb, jsonb), app.apply_group(jsonb, jsonb) from public, anon;
grant execute on function app.set_sales(jsonb, jsonb), app.apply_group(jsonb, jsonb) to authenticated;
