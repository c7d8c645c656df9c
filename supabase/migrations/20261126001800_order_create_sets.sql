-- A run of order.create as sets (issue #3). Applied one by one, a sale costs ~12 statements
-- (each with its executor start-up, its row-level security check and its PL/pgSQL call),
-- ~1.2 ms on PostgreSQL: a café's 20 tablets reconnecting at once queue behind the
-- location's version row for that long per sale. Consecutive order.create mutations are
-- now applied by one INSERT per table for the whole stretch: the orders, their items, their
-- stock movements (the stock-level trigger runs once) and their loyalty points.
--
-- Only the sales that app.order_create would apply as they are take this path: if any sale
-- of the run would be refused (a foreign number, an order or number already used, in the
-- run or before it, something not on the menu, an unknown customer, a total too large) or
-- flagged for a price that differs from the menu, app.order_create_run raises, and
-- app.apply_mutations rolls the attempt back and applies the run as before
-- (20261126000910), where each sale is refused or flagged exactly as alone. Items the run
-- takes below zero are flagged here, by the sale that would have flagged them one by one.
-- So what a push records does not change; only its cost does. Still `security invoker`:
-- every read and write is decided by row-level security as the pushing device, and
-- versions are still taken by the version triggers, in commit order.

create function app.order_create_run(c jsonb, ms jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  org uuid := (c->>'organizationId')::uuid;
  code text := c->>'deviceCode';
  dev uuid := (c->>'deviceId')::uuid;
  l record;
  lines jsonb;
  mv jsonb;
begin
  -- Anything app.order_create would refuse, in any sale of the run: the one-by-one path says why.
  if exists (
       select 1 from app.run_sales(ms) s
       where left(s.number, length(code) + 1) is distinct from code || '-'
          or (s.customer_id is not null
              and not exists (select 1 from public.customers cu where cu.id = s.customer_id and cu.organization_id = org)))
     or (select count(distinct s.order_id) <> count(*) or count(distinct s.number) <> count(*) from app.run_sales(ms) s)
     or exists (select 1 from public.orders o where o.id in (select s.order_id from app.run_sales(ms) s))
     or exists (select 1 from public.orders o where o.location_id = loc and o.number in (select s.number from app.run_sales(ms) s)) then
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

-- The sales of a run as rows, in push order (ord). These two name nothing outside
-- pg_catalog, and have no `set search_path` so that the planner can inline them.
create function app.run_sales(ms jsonb)
returns table (ord bigint, mutation_id bigint, staff_id uuid, client_time timestamptz, order_id uuid, number text, customer_id uuid, note text, items jsonb)
language sql immutable
as $$
  select r.ord, (r.m->>'id')::bigint, (r.m->>'staffId')::uuid, (r.m->>'clientTime')::timestamptz,
         a."orderId", a.number, a."customerId", a.note, a.items
  from jsonb_array_elements(ms) with ordinality as r(m, ord)
  cross join lateral jsonb_to_record(r.m->'args') as a("orderId" uuid, number text, "customerId" uuid, note text, items jsonb)
$$;

-- Each sale's subtotal and tax, from its priced lines.
create function app.run_totals(lines jsonb) returns table (ord bigint, sub bigint, tax bigint)
language sql immutable
as $$
  select x.ord, sum(x.line_total_cents)::bigint, sum(x.line_tax)::bigint
  from jsonb_to_recordset(lines) as x(ord bigint, line_total_cents bigint, line_tax bigint)
  group by x.ord
$$;

-- The signal that a run needs the one-by-one path; never reaches a client.
create function app.refuse_run() returns void
language plpgsql volatile set search_path = ''
as $$
begin
  raise exception using errcode = 'P0001', message = 'this run is applied one mutation at a time', hint = 'tandem-run';
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
  n bigint;
  sales bigint;
  pairs bigint;
  refused jsonb := '[]'::jsonb;
  st text;
  msg text;
  det text;
  hnt text;
begin
  -- 0. Stretches of sales as sets, the rest one by one, in one block.
  select count(*), count(*) filter (where x.m->>'name' = 'order.create'),
         count(*) filter (where x.m->>'name' = 'order.create' and y.m->>'name' = 'order.create')
  into n, sales, pairs
  from jsonb_array_elements(ms) with ordinality as x(m, i)
  left join jsonb_array_elements(ms) with ordinality as y(m, i) on y.i = x.i + 1;
  if pairs > 0 then
    begin
      if sales = n then
        perform app.order_create_run(c, ms);
      else
        -- stretches: consecutive mutations with the same "is a sale", numbered by where they start
        for seg in
          select jsonb_agg(g.m order by g.i)
          from (select x.m, x.i, x.i - row_number() over (partition by x.m->>'name' = 'order.create' order by x.i) as stretch,
                       x.m->>'name' = 'order.create' as sale
                from jsonb_array_elements(ms) with ordinality as x(m, i)) g
          group by g.stretch, g.sale, case when g.sale then 0 else g.i end
          order by min(g.i)
        loop
          if jsonb_array_length(seg) > 1 then
            perform app.order_create_run(c, seg);
          else
            m := seg->0;
            perform app.apply_one(c || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime'), m);
          end if;
        end loop;
      end if;
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

revoke execute on function app.order_create_run(jsonb, jsonb), app.run_sales(jsonb), app.run_totals(jsonb), app.refuse_run() from public, anon;
grant execute on function app.order_create_run(jsonb, jsonb), app.run_sales(jsonb), app.run_totals(jsonb), app.refuse_run() to authenticated;
