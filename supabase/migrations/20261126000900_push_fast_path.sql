-- The push fast path (issue #3). order.create cost ten round trips and ~10 row triggers
-- per sale; a café's 20 tablets reconnecting at once queued behind one location's version
-- row for seconds. Three changes, none of them to what a push guarantees (DESIGN §6):
--
-- 1. Stock levels are summed once per INSERT statement (a transition table), not once per
--    movement row: one upsert per item instead of one per row, in item-id order so two
--    writers still lock the same levels in the same order.
-- 2. order.create, order.payCash and order.setStatus are each one PL/pgSQL function,
--    `security invoker`: they run as the pushing device (role authenticated, its claims),
--    so every read and write is still decided by RLS. The TypeScript mutators call them;
--    their messages and outcomes are the ones the TypeScript code had.
-- 3. app.apply_mutations runs a run of such mutations in ONE call. Each mutation runs in
--    its own BEGIN … EXCEPTION block, which is a savepoint: a refused mutation's effects
--    roll back alone and its error comes back to the push loop, which logs it and raises
--    last exactly as before. Transient errors (serialization, deadlock, lost connection)
--    are re-raised, so the whole push stops without raising last.

-- ------------------------------------------------------------------ 1. stock levels
drop trigger stock_level on public.stock_movements;

create function app.apply_stock_movements() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.stock_levels (id, location_id, quantity)
  select n.item_id, n.location_id, sum(n.delta)::integer
  from moved n
  group by n.item_id, n.location_id
  order by n.item_id
  on conflict (id) do update set quantity = public.stock_levels.quantity + excluded.quantity;
  return null;
end $$;
revoke execute on function app.apply_stock_movements() from public, anon, authenticated;

create trigger stock_level after insert on public.stock_movements
  referencing new table as moved
  for each statement execute function app.apply_stock_movements();

-- ------------------------------------------------------------------ helpers
-- Refusals carry the error code of src/shared/errors.ts in DETAIL; the push loop and the
-- TypeScript mutators turn them back into AppErrors.
create function app.refuse(code text, message text) returns void
language plpgsql volatile set search_path = ''
as $$
begin
  raise exception using errcode = 'P0001', message = message, detail = code, hint = 'tandem-refusal';
end $$;

-- Intl.NumberFormat('en-US', { style: 'currency' }) for the currencies a café uses; the
-- summaries and messages read the same as the TypeScript formatCents.
create function app.format_cents(cents bigint, currency text) returns text
language sql immutable set search_path = ''
as $$
  select case when cents < 0 then '-' else '' end ||
    case currency when 'USD' then '$' when 'EUR' then '€' when 'GBP' then '£' when 'JPY' then '¥'
                  when 'CAD' then 'CA$' when 'AUD' then 'A$' when 'NZD' then 'NZ$' when 'INR' then '₹'
                  else currency || ' ' end ||
    case when currency = 'JPY' then to_char(abs(cents), 'FM999,999,999,999,990')
         else to_char(abs(cents) / 100, 'FM999,999,999,999,990') || '.' || lpad((abs(cents) % 100)::text, 2, '0') end
$$;

-- A reconciliation item tied to the mutation in c (the push context, see app.apply_mutations).
create function app.flag(c jsonb, kind text, summary text, details jsonb, order_id uuid) returns void
language sql security invoker set search_path = ''
as $$
  insert into public.reconciliation_items (location_id, kind, summary, details, device_id, staff_id, client_id, mutation_id, order_id)
  values ((c->>'locationId')::uuid, kind, left(summary, 500), details, (c->>'deviceId')::uuid, (c->>'staffId')::uuid,
          (c->>'clientId')::uuid, (c->>'mutationId')::bigint, order_id)
$$;

-- ------------------------------------------------------------------ 2. order.create
-- The sale as rung up is what is recorded (see src/server/mutators/orders.ts): prices
-- that differ from the menu, stock below zero are applied and flagged; only what cannot
-- be a real sale is refused.
create function app.order_create(c jsonb, a jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  code text := c->>'deviceCode';
  oid uuid := (a->>'orderId')::uuid;
  num text := a->>'number';
  cust uuid := (a->>'customerId')::uuid;
  l record;
  t record;
  lines jsonb;
  cust_name text;
  points bigint;
begin
  -- Numbers are "<device code>-<sequence>"; only the prefix keeps two tablets apart.
  if left(num, length(code) + 1) is distinct from code || '-' then
    perform app.refuse('VALIDATION_FAILED', format('Order number %s is not this tablet’s (its numbers start with %s-). Check which tablet this queue came from.', num, code));
  end if;
  select bool_or(o.id = oid) as same_id, count(*) as n into t
  from public.orders o where o.id = oid or (o.location_id = loc and o.number = num);
  if t.same_id then
    perform app.refuse('CONFLICT', format('Order %s was already recorded; it was not added twice.', num));
  elsif t.n > 0 then
    perform app.refuse('CONFLICT', format('Order number %s is already used by another order here. Reset this tablet’s order numbering.', num));
  end if;

  select x.tax_rate_bps, x.loyalty_points_per_dollar, x.currency into l from public.locations x where x.id = loc;

  -- Every line with its product and options as they are now (removed or inactive ones still
  -- count: they were on the menu when the customer paid; only what this location never had
  -- is refused), priced the way src/shared/domain/money.ts prices it.
  select jsonb_agg(jsonb_build_object(
           'id', i.id, 'product_id', i.product_id, 'name', p.name, 'quantity', i.quantity,
           'unit_price_cents', i.unit, 'modifiers', m.mods, 'line_total_cents', i.quantity::bigint * i.unit,
           'tax_rate_bps', coalesce(p.tax_rate_bps, l.tax_rate_bps),
           'line_tax', (i.quantity::bigint * i.unit * coalesce(p.tax_rate_bps, l.tax_rate_bps) * 2 + 10000) / 20000,
           'menu_cents', p.price_cents + m.delta, 'known', p.id is not null, 'mods_known', m.known
         ) order by i.ord)
  into lines
  from (
    select (x.i->>'id')::uuid as id, (x.i->>'productId')::uuid as product_id, (x.i->>'quantity')::integer as quantity,
           (x.i->>'unitPriceCents')::integer as unit, x.i->'modifierIds' as mod_ids, x.ord
    from jsonb_array_elements(a->'items') with ordinality as x(i, ord)
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

  if exists (select 1 from jsonb_array_elements(lines) x where not (x->>'known')::boolean) then
    perform app.refuse('NOT_FOUND', 'An item on this order is not on this location’s menu. Refresh the menu and ring it up again.');
  end if;
  if exists (select 1 from jsonb_array_elements(lines) x where not (x->>'mods_known')::boolean) then
    perform app.refuse('NOT_FOUND', 'An option on this order (size, milk, extra) is not on this location’s menu. Refresh the menu and ring it up again.');
  end if;
  if cust is not null then
    select x.name into cust_name from public.customers x where x.id = cust and x.organization_id = (c->>'organizationId')::uuid;
    if cust_name is null then
      perform app.refuse('NOT_FOUND', 'The loyalty customer on this order was not found. Ring it up without them, or add them first.');
    end if;
  end if;

  select sum((x->>'line_total_cents')::bigint)::bigint as sub, sum((x->>'line_tax')::bigint)::bigint as tax into t
  from jsonb_array_elements(lines) x;
  if t.sub + t.tax > 2147483647 then
    perform app.refuse('VALIDATION_FAILED', 'This order’s total is too large to record. Split it into several orders.');
  end if;

  insert into public.orders (id, location_id, device_id, number, staff_id, customer_id, status, payment_status,
                             subtotal_cents, tax_cents, total_cents, note, client_time)
  values (oid, loc, (c->>'deviceId')::uuid, num, (c->>'staffId')::uuid, cust, 'received', 'unpaid',
          t.sub, t.tax, t.sub + t.tax, a->>'note', (c->>'clientTime')::timestamptz);
  insert into public.order_items (id, location_id, order_id, product_id, name, quantity, unit_price_cents, modifiers, line_total_cents, tax_rate_bps)
  select x.id, loc, oid, x.product_id, x.name, x.quantity, x.unit_price_cents, x.modifiers, x.line_total_cents, x.tax_rate_bps
  from jsonb_to_recordset(lines) as x(id uuid, product_id uuid, name text, quantity integer, unit_price_cents integer,
                                      modifiers jsonb, line_total_cents integer, tax_rate_bps integer);

  -- Prices that differ from the menu: recorded as rung up, and flagged.
  perform app.flag(c, 'price_difference',
    format('Order %s was rung up at prices that differ from the menu on %s line%s (%s); it was recorded as rung up.',
           num, d.n, case when d.n > 1 then 's' else '' end,
           case when d.net = 0 then 'the same total'
                else app.format_cents(abs(d.net), l.currency) || case when d.net < 0 then ' less' else ' more' end || ' in total' end),
    jsonb_build_object('orderId', oid, 'number', num, 'netDifferenceCents', d.net, 'lines', d.lines), oid)
  from (
    select count(*) as n,
           sum(((x->>'unit_price_cents')::bigint - (x->>'menu_cents')::bigint) * (x->>'quantity')::bigint)::bigint as net,
           jsonb_agg(jsonb_build_object('orderItemId', x->'id', 'productId', x->'product_id', 'name', x->'name',
                     'quantity', x->'quantity', 'rungUpCents', x->'unit_price_cents', 'menuCents', x->'menu_cents') order by o.n) as lines
    from jsonb_array_elements(lines) with ordinality as o(x, n)
    where (x->>'unit_price_cents')::integer <> (x->>'menu_cents')::integer
  ) d
  where d.n > 0;

  -- What the sale used through its recipes (product and each chosen option, × quantity),
  -- one movement per item, then a flag for each level that went below zero.
  perform app.sale_movements(c, oid, num, (
    select coalesce(jsonb_agg(jsonb_build_object('productId', x->>'productId', 'modifierIds', x->'modifierIds', 'quantity', (x->>'quantity')::integer)), '[]'::jsonb)
    from jsonb_array_elements(a->'items') x));

  if cust is not null then
    points := ((t.sub + t.tax) / 100) * l.loyalty_points_per_dollar;
    if points > 0 then
      insert into public.loyalty_ledger (id, organization_id, location_id, customer_id, delta_points, reason, order_id)
      values (gen_random_uuid(), (c->>'organizationId')::uuid, loc, cust, points, 'earn', oid);
    end if;
  end if;
end $$;

-- Stock a sale uses (see src/server/mutators/stock-effects.ts): movements in item-id order
-- and the one-open-item-per-inventory-item negative-stock rule.
create function app.sale_movements(c jsonb, oid uuid, num text, sold jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  touched uuid[];
begin
  with owners as (
    select (s->>'productId')::uuid as owner, (s->>'quantity')::integer as q from jsonb_array_elements(sold) s
    union all
    select m::uuid, (s->>'quantity')::integer from jsonb_array_elements(sold) s, jsonb_array_elements_text(s->'modifierIds') m
  ), used as (
    select r.item_id, -sum(o.q * r.quantity)::integer as delta
    from owners o join public.recipe_lines r on coalesce(r.product_id, r.modifier_id) = o.owner
    where r.location_id = loc and not r.deleted
    group by r.item_id
  ), ins as (
    insert into public.stock_movements (id, location_id, item_id, delta, reason, order_id, staff_id, device_id)
    select gen_random_uuid(), loc, u.item_id, u.delta, 'sale', oid, (c->>'staffId')::uuid, (c->>'deviceId')::uuid
    from used u where u.delta <> 0 order by u.item_id
    returning item_id
  )
  select array_agg(item_id) into touched from ins;
  if touched is null then return; end if;
  perform app.flag(c, 'negative_stock',
    format('%s went below zero (%s %s) after order %s. Count it, or record the delivery that was missed.', ii.name, sl.quantity, ii.unit, num),
    jsonb_build_object('itemId', sl.id, 'itemName', ii.name, 'unit', ii.unit, 'quantity', sl.quantity, 'orderId', oid), oid)
  from public.stock_levels sl join public.inventory_items ii on ii.id = sl.id
  where sl.id = any(touched) and sl.quantity < 0
    and not exists (select 1 from public.reconciliation_items r
                    where r.location_id = loc and r.kind = 'negative_stock' and r.status = 'open'
                      and not r.deleted and r.details ->> 'itemId' = sl.id::text);
end $$;

-- ------------------------------------------------------------------ order.payCash, order.setStatus
-- The order's row is locked first (FOR UPDATE), so a payment, a status change and a void
-- from two tablets are applied one after the other.
create function app.order_pay_cash(c jsonb, a jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  loc uuid := (c->>'locationId')::uuid;
  amount integer := (a->>'amountCents')::integer;
  o record;
  paid bigint;
  drawer uuid;
begin
  if (a->>'tenderedCents')::integer < amount then
    perform app.refuse('VALIDATION_FAILED', 'The cash handed over is less than the amount paid. Enter what the customer gave.');
  end if;
  select x.id, x.number, x.status, x.payment_status, x.total_cents, lo.currency into o
  from public.orders x join public.locations lo on lo.id = x.location_id
  where x.id = (a->>'orderId')::uuid and x.location_id = loc and not x.deleted
  for update of x;
  if not found then
    perform app.refuse('NOT_FOUND', 'That order was not found at this location. Refresh the order list and try again.');
  end if;
  if o.status = 'voided' then
    perform app.refuse('CONFLICT', format('Order %s was voided, so it cannot take a payment. Give the cash back or ring up a new order.', o.number));
  end if;
  select coalesce(sum(p.amount_cents), 0) into paid from public.payments p
  where p.order_id = o.id and p.status = 'succeeded' and not p.deleted;
  if o.payment_status = 'paid' or paid >= o.total_cents then
    perform app.refuse('CONFLICT', format('Order %s is already paid (%s); this payment was not recorded twice.', o.number, app.format_cents(paid, o.currency)));
  end if;
  -- An amount past what is owed would put more cash on the order (and in the drawer's
  -- expected total) than the sale was worth.
  if amount > o.total_cents - paid then
    perform app.refuse('CONFLICT', format('Order %s has %s left to pay, less than this payment of %s. Record what is owed and give the rest as change.',
      o.number, app.format_cents(o.total_cents - paid, o.currency), app.format_cents(amount, o.currency)));
  end if;
  insert into public.payments (id, location_id, order_id, method, amount_cents, tendered_cents, status, staff_id, device_id)
  values ((a->>'paymentId')::uuid, loc, o.id, 'cash', amount, (a->>'tenderedCents')::integer, 'succeeded',
          (c->>'staffId')::uuid, (c->>'deviceId')::uuid);
  if paid + amount >= o.total_cents then
    update public.orders set payment_status = 'paid' where id = o.id;
  end if;
  -- FOR SHARE: a close of this drawer running now waits for this sale, or we see it closed.
  select d.id into drawer from public.drawer_sessions d
  where d.device_id = (c->>'deviceId')::uuid and d.location_id = loc and d.status = 'open' and not d.deleted
  for share;
  if drawer is not null then
    insert into public.drawer_movements (id, location_id, drawer_session_id, kind, amount_cents, order_id, staff_id)
    values (gen_random_uuid(), loc, drawer, 'sale', amount, o.id, (c->>'staffId')::uuid);
  end if;
end $$;

-- Forward only: a late "ready" after "completed", or anything after a void, changes nothing.
create function app.order_set_status(c jsonb, a jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  rank constant jsonb := '{"received":0,"in_progress":1,"ready":2,"completed":3,"voided":4}';
  o record;
begin
  select x.id, x.number, x.status into o from public.orders x
  where x.id = (a->>'orderId')::uuid and x.location_id = (c->>'locationId')::uuid and not x.deleted
  for update of x;
  if not found then
    perform app.refuse('NOT_FOUND', 'That order was not found at this location. Refresh the order list and try again.');
  end if;
  if (rank->>(a->>'status'))::integer <= (rank->>o.status)::integer then return; end if;
  update public.orders set status = a->>'status' where id = o.id;
end $$;

-- ------------------------------------------------------------------ 3. a run of mutations
-- c: the push context (deviceId, deviceCode, locationId, organizationId, clientId);
-- ms: [{ id, name, staffId, clientTime, args }], args already checked against the shared
-- zod schema and the staff member's role by the push loop, in order, all by one staff
-- member (the loop sets that staff member's claims first). Returns the refused ones:
-- [{ id, state, message, detail, hint }]; everything else was applied.
create function app.apply_mutations(c jsonb, ms jsonb) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  m jsonb;
  ctx jsonb;
  refused jsonb := '[]'::jsonb;
  st text;
  msg text;
  det text;
  hnt text;
begin
  for m in select x from jsonb_array_elements(ms) x loop
    ctx := c || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime');
    begin
      case m->>'name'
        when 'order.create' then perform app.order_create(ctx, m->'args');
        when 'order.payCash' then perform app.order_pay_cash(ctx, m->'args');
        when 'order.setStatus' then perform app.order_set_status(ctx, m->'args');
        else perform app.refuse('VALIDATION_FAILED', format('Unknown mutation "%s". Update the app on this tablet.', m->>'name'));
      end case;
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

revoke execute on function app.refuse(text, text), app.format_cents(bigint, text), app.flag(jsonb, text, text, jsonb, uuid),
  app.order_create(jsonb, jsonb), app.sale_movements(jsonb, uuid, text, jsonb), app.order_pay_cash(jsonb, jsonb),
  app.order_set_status(jsonb, jsonb), app.apply_mutations(jsonb, jsonb) from public, anon;
grant execute on function app.refuse(text, text), app.format_cents(bigint, text), app.flag(jsonb, text, text, jsonb, uuid),
  app.order_create(jsonb, jsonb), app.sale_movements(jsonb, uuid, text, jsonb), app.order_pay_cash(jsonb, jsonb),
  app.order_set_status(jsonb, jsonb), app.apply_mutations(jsonb, jsonb) to authenticated;
