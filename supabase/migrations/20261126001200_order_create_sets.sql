-- A run of order.create as sets (issue #3). Applied one by one, a sale costs ~12 statements
-- (each with its executor start-up, its row-level security check and its PL/pgSQL call),
-- ~1.2 ms on PostgreSQL: a café's 20 tablets reconnecting at once queue behind the
-- location's version row for that long per sale. Consecutive order.create mutations are
-- now applied by one INSERT per table for the whole stretch: the orders, their items, their
-- stock movements (the stock-level trigger runs once) and their loyalty points.
--
-- Only the sales that app.order_create would apply without a word take this path: if any
-- sale of the run would be refused (a foreign number, an order or number already used, in
-- the run or before it, something not on the menu, an unknown customer, a total too large)
-- or flagged for a price that differs from the menu, app.order_create_run raises and app.apply_mutations rolls the attempt back
-- and applies the run the way it did before (20261126000910), where each sale is refused or
-- flagged exactly as alone. So what a push records does not change; only its cost does.
-- Still `security invoker`: every read and write is decided by row-level security as the
-- pushing device, and versions are still taken by the version triggers, in commit order.

create function app.order_create_run(c jsonb, ms jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  org uuid := (c->>'organizationId')::uuid;
  code text := c->>'deviceCode';
  dev uuid := (c->>'deviceId')::uuid;
  l record;
  os jsonb;
  lines jsonb;
  mv jsonb;
begin
  -- The run's sales in push order (ord), with what app.order_create would refuse them for.
  select jsonb_agg(jsonb_build_object(
           'ord', r.ord, 'mid', r.m->'id', 'oid', r.m->'args'->>'orderId', 'num', r.m->'args'->>'number',
           'cust', r.m->'args'->>'customerId', 'note', r.m->'args'->>'note',
           'staff', r.m->>'staffId', 'client_time', r.m->>'clientTime') order by r.ord)
  into os from jsonb_array_elements(ms) with ordinality as r(m, ord);

  if exists (select 1 from jsonb_array_elements(os) x where left(x->>'num', length(code) + 1) is distinct from code || '-')
     or (select count(distinct x->>'oid') <> count(*) or count(distinct x->>'num') <> count(*) from jsonb_array_elements(os) x)
     or exists (select 1 from public.orders o where o.id in (select (x->>'oid')::uuid from jsonb_array_elements(os) x))
     or exists (select 1 from public.orders o where o.location_id = loc and o.number in (select x->>'num' from jsonb_array_elements(os) x))
     or exists (select 1 from jsonb_array_elements(os) x
                where x->>'cust' is not null
                  and not exists (select 1 from public.customers cu where cu.id = (x->>'cust')::uuid and cu.organization_id = org)) then
    perform app.refuse_run();
  end if;

  select x.tax_rate_bps, x.loyalty_points_per_dollar into l from public.locations x where x.id = loc;

  -- Every line priced as app.order_create prices it; "plain" when it is on the menu at the
  -- menu's price (anything else is refused or flagged, one sale at a time).
  select jsonb_agg(jsonb_build_object(
           'ord', i.ord, 'iord', i.iord, 'id', i.id, 'product_id', i.product_id, 'name', p.name, 'quantity', i.quantity,
           'unit_price_cents', i.unit, 'modifiers', m.mods, 'line_total_cents', i.quantity::bigint * i.unit,
           'tax_rate_bps', coalesce(p.tax_rate_bps, l.tax_rate_bps),
           'line_tax', (i.quantity::bigint * i.unit * coalesce(p.tax_rate_bps, l.tax_rate_bps) * 2 + 10000) / 20000,
           'plain', p.id is not null and m.known and i.unit = p.price_cents + m.delta
         ) order by i.ord, i.iord)
  into lines
  from (
    select r.ord, x.iord, (x.i->>'id')::uuid as id, (x.i->>'productId')::uuid as product_id,
           (x.i->>'quantity')::integer as quantity, (x.i->>'unitPriceCents')::integer as unit, x.i->'modifierIds' as mod_ids
    from jsonb_array_elements(ms) with ordinality as r(m, ord)
    cross join lateral jsonb_array_elements(r.m->'args'->'items') with ordinality as x(i, iord)
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

  if exists (select 1 from jsonb_array_elements(lines) x where not (x->>'plain')::boolean) then
    perform app.refuse_run();
  end if;

  -- Each sale's totals.
  select jsonb_agg(o || jsonb_build_object('sub', t.sub, 'tax', t.tax) order by (o->>'ord')::bigint)
  into os
  from jsonb_array_elements(os) o
  join (select (x->>'ord')::bigint as ord, sum((x->>'line_total_cents')::bigint) as sub, sum((x->>'line_tax')::bigint) as tax
        from jsonb_array_elements(lines) x group by 1) t on t.ord = (o->>'ord')::bigint;
  if exists (select 1 from jsonb_array_elements(os) x where (x->>'sub')::bigint + (x->>'tax')::bigint > 2147483647) then
    perform app.refuse_run();
  end if;

  insert into public.orders (id, location_id, device_id, number, staff_id, customer_id, status, payment_status,
                             subtotal_cents, tax_cents, total_cents, note, client_time)
  select x.oid, loc, dev, x.num, x.staff, x.cust, 'received', 'unpaid', x.sub, x.tax, x.sub + x.tax, x.note, x.client_time
  from jsonb_to_recordset(os) as x(ord bigint, oid uuid, num text, staff uuid, cust uuid, note text, client_time timestamptz, sub bigint, tax bigint)
  order by x.ord;

  insert into public.order_items (id, location_id, order_id, product_id, name, quantity, unit_price_cents, modifiers, line_total_cents, tax_rate_bps)
  select x.id, loc, (o->>'oid')::uuid, x.product_id, x.name, x.quantity, x.unit_price_cents, x.modifiers, x.line_total_cents, x.tax_rate_bps
  from jsonb_to_recordset(lines) as x(ord bigint, iord bigint, id uuid, product_id uuid, name text, quantity integer,
                                      unit_price_cents integer, modifiers jsonb, line_total_cents integer, tax_rate_bps integer)
  join jsonb_array_elements(os) o on (o->>'ord')::bigint = x.ord
  order by x.ord, x.iord;

  -- What each sale used through its recipes, one movement per sale and item (app.sale_movements).
  with owners as (
    select r.ord, (s->>'productId')::uuid as owner, (s->>'quantity')::integer as q
    from jsonb_array_elements(ms) with ordinality as r(m, ord), jsonb_array_elements(r.m->'args'->'items') s
    union all
    select r.ord, mid::uuid, (s->>'quantity')::integer
    from jsonb_array_elements(ms) with ordinality as r(m, ord), jsonb_array_elements(r.m->'args'->'items') s,
         jsonb_array_elements_text(s->'modifierIds') mid
  ), used as (
    select o.ord, rl.item_id, -sum(o.q * rl.quantity)::integer as delta
    from owners o join public.recipe_lines rl on coalesce(rl.product_id, rl.modifier_id) = o.owner
    where rl.location_id = loc and not rl.deleted
    group by o.ord, rl.item_id
  )
  select jsonb_agg(jsonb_build_object('ord', u.ord, 'item_id', u.item_id, 'delta', u.delta) order by u.ord, u.item_id)
  into mv from used u where u.delta <> 0;

  if mv is not null then
    insert into public.stock_movements (id, location_id, item_id, delta, reason, order_id, staff_id, device_id)
    select gen_random_uuid(), loc, x.item_id, x.delta, 'sale', (o->>'oid')::uuid, (o->>'staff')::uuid, dev
    from jsonb_to_recordset(mv) as x(ord bigint, item_id uuid, delta integer)
    join jsonb_array_elements(os) o on (o->>'ord')::bigint = x.ord
    order by x.ord, x.item_id;
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
           left(format('%s went below zero (%s %s) after order %s. Count it, or record the delivery that was missed.', ii.name, f.quantity, ii.unit, o.num), 500),
           jsonb_build_object('itemId', ii.id, 'itemName', ii.name, 'unit', ii.unit, 'quantity', f.quantity, 'orderId', o.oid),
           dev, o.staff, (c->>'clientId')::uuid, o.mid, o.oid
    from first_below f
    join public.inventory_items ii on ii.id = f.item_id
    join jsonb_to_recordset(os) as o(ord bigint, mid bigint, oid uuid, num text, staff uuid) on o.ord = f.ord
    where not exists (select 1 from public.reconciliation_items r
                      where r.location_id = loc and r.kind = 'negative_stock' and r.status = 'open'
                        and not r.deleted and r.details ->> 'itemId' = ii.id::text)
    order by f.ord, f.item_id;
  end if;

  insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
  select gen_random_uuid(), org, loc, x.cust, ((x.sub + x.tax) / 100) * l.loyalty_points_per_dollar, 'earn', x.oid
  from jsonb_to_recordset(os) as x(ord bigint, oid uuid, cust uuid, sub bigint, tax bigint)
  where x.cust is not null and ((x.sub + x.tax) / 100) * l.loyalty_points_per_dollar > 0
  order by x.ord;
end $$;

-- The signal that a run needs the one-by-one path; never reaches a client.
create function app.refuse_run() returns void
language plpgsql volatile set search_path = ''
as $$
begin
  raise exception using errcode = 'P0001', message = 'this run is applied one mutation at a time', hint = 'tandem-run';
end $$;

-- A stretch of consecutive order.create: as a set when there are several.
create function app.apply_sales(c jsonb, seg jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
begin
  if jsonb_array_length(seg) > 1 then
    perform app.order_create_run(c, seg);
  elsif jsonb_array_length(seg) = 1 then
    perform app.apply_one(c || jsonb_build_object('staffId', seg->0->'staffId', 'mutationId', seg->0->'id', 'clientTime', seg->0->'clientTime'), seg->0);
  end if;
end $$;

-- 20261126000910's apply_mutations with a step 0: the stretches of two or more consecutive
-- order.create go to app.order_create_run, the rest to app.apply_one, all in one block. If
-- anything in it raises (a refusal, a flag, the signal above), the block rolls back with
-- all its effects and the version counter, and steps 1 and 2 run as before.
create or replace function app.apply_mutations(c jsonb, ms jsonb) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  m jsonb;
  seg jsonb;
  refused jsonb := '[]'::jsonb;
  st text;
  msg text;
  det text;
  hnt text;
begin
  -- 0. Stretches of sales as sets, the rest one by one, in one block.
  if exists (select 1 from jsonb_array_elements(ms) with ordinality as x(m, n)
             join jsonb_array_elements(ms) with ordinality as y(m, n) on y.n = x.n + 1
             where x.m->>'name' = 'order.create' and y.m->>'name' = 'order.create') then
    begin
      seg := '[]'::jsonb;
      for m in select x from jsonb_array_elements(ms) x loop
        if m->>'name' = 'order.create' then
          seg := seg || jsonb_build_array(m);
          continue;
        end if;
        perform app.apply_sales(c, seg);
        seg := '[]'::jsonb;
        perform app.apply_one(c || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime'), m);
      end loop;
      perform app.apply_sales(c, seg);
      return refused;
    exception when others then
      get stacked diagnostics st = returned_sqlstate;
      if st in ('40001', '40P01', '57P01', '57P02', '57P03', '53300') or left(st, 2) = '08' then
        raise;
      end if;
    end;
  end if;
  -- 1. The whole run in one block.
  begin
    for m in select x from jsonb_array_elements(ms) x loop
      perform app.apply_one(c || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime'), m);
    end loop;
    return refused;
  exception when others then
    get stacked diagnostics st = returned_sqlstate;
    if st in ('40001', '40P01', '57P01', '57P02', '57P03', '53300') or left(st, 2) = '08' then
      raise;
    end if;
  end;
  -- 2. Something was refused: the run again, a block (a savepoint) per mutation.
  for m in select x from jsonb_array_elements(ms) x loop
    begin
      perform app.apply_one(c || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime'), m);
    exception when others then
      get stacked diagnostics st = returned_sqlstate, msg = message_text, det = pg_exception_detail, hnt = pg_exception_hint;
      -- Transient: stop the whole push, raise nothing (the client retries).
      if st in ('40001', '40P01', '57P01', '57P02', '57P03', '53300') or left(st, 2) = '08' then
        raise;
      end if;
      refused := refused || jsonb_build_object('id', m->'id', 'state', st, 'message', msg, 'detail', det, 'hint', hnt);
    end;
  end loop;
  return refused;
end $$;

revoke execute on function app.order_create_run(jsonb, jsonb), app.apply_sales(jsonb, jsonb), app.refuse_run() from public, anon;
grant execute on function app.order_create_run(jsonb, jsonb), app.apply_sales(jsonb, jsonb), app.refuse_run() to authenticated;
