-- A tablet's sales come with their payments: order.create, order.payCash, order.create,
-- order.payCash… No two sales are next to each other, so 20261126001800 applied every
-- one of them one by one (~12 statements each) and only a run of sales without payments
-- (which the benchmark pushed) went as a set. The payments and status changes in the run
-- (app.apply_mutations only ever gets order.create, order.payCash and order.setStatus)
-- touch their own order alone, and no sale reads anything they write; so the run's sales
-- now go first, as one set, and the rest after them in their order. Not when a payment or
-- status change comes before the sale of its own order (it was refused there, and would
-- not be now): then the stretches as before. Anything refused or flagged in the attempt
-- rolls it all back to the one-by-one path, as before, so what a push records does not
-- change (tests/sync/sale-sets.test.ts compares the two).
--
-- app.apply_mutations is cut into pieces here, so that the next change to one step
-- replaces that step's function rather than a fourth copy of the whole (20261126000900,
-- 000910 and 001800 each carry one): app.is_transient, app.apply_in_order,
-- app.apply_as_sets (step 0) and app.apply_mutations, which only strings them together.

-- The errors that stop a whole push (the client retries it): serialization, deadlock,
-- shutdown, too many connections, a lost connection. Anything else is a refusal.
create function app.is_transient(st text) returns boolean
language sql immutable set search_path = ''
as $$ select st in ('40001', '40P01', '57P01', '57P02', '57P03', '53300') or left(st, 2) = '08' $$;

-- Each mutation of ms in order, by the one-by-one rules.
create function app.apply_in_order(c jsonb, ms jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  m jsonb;
begin
  for m in select x from jsonb_array_elements(ms) x loop
    perform app.apply_one(c || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime'), m);
  end loop;
end $$;

-- Step 0: the run's sales as sets. False when the run has no two sales that can go
-- together (nothing is written then). When it applies the run it writes everything; it
-- raises (and the caller rolls it back) when anything would be refused or flagged
-- differently from the one-by-one rules.
--
-- A sale's own payment and status changes touch only their order, and no sale reads what
-- they wrote: the sales of the run go first as one set, the rest after them in their
-- order, unless one of those comes before the sale of its own order (compared as uuids, as
-- the mutators compare them: a client may send one in capitals). Then the stretches of
-- consecutive sales as sets, the rest one by one, in push order (20261126001800).
create function app.apply_as_sets(c jsonb, ms jsonb) returns boolean
language plpgsql security invoker set search_path = ''
as $$
declare
  seg jsonb;
  n bigint;
  sales bigint;
  pairs bigint;
  hoist boolean;
begin
  select count(*), count(*) filter (where x.m->>'name' = 'order.create'),
         count(*) filter (where x.m->>'name' = 'order.create' and y.m->>'name' = 'order.create')
  into n, sales, pairs
  from jsonb_array_elements(ms) with ordinality as x(m, i)
  left join jsonb_array_elements(ms) with ordinality as y(m, i) on y.i = x.i + 1;
  if sales < 2 then return false; end if;
  select coalesce(bool_and(x.m->>'name' = 'order.create' or not exists (
           select 1 from jsonb_array_elements(ms) with ordinality as y(m, i)
           where y.i > x.i and y.m->>'name' = 'order.create' and (y.m->'args'->>'orderId')::uuid = (x.m->'args'->>'orderId')::uuid)), false)
  into hoist
  from jsonb_array_elements(ms) with ordinality as x(m, i);
  if sales = n then
    perform app.order_create_run(c, ms);
  elsif hoist then
    perform app.order_create_run(c, (select jsonb_agg(x.m order by x.i) from jsonb_array_elements(ms) with ordinality as x(m, i) where x.m->>'name' = 'order.create'));
    perform app.apply_in_order(c, (select jsonb_agg(x.m order by x.i) from jsonb_array_elements(ms) with ordinality as x(m, i) where x.m->>'name' <> 'order.create'));
  elsif pairs > 0 then
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
        perform app.apply_in_order(c, seg);
      end if;
    end loop;
  else
    return false;
  end if;
  return true;
end $$;

-- c: the push context; ms: the run, checked by the push loop (20261126000900). Returns the
-- refused mutations: [{ id, state, message, detail, hint }].
create or replace function app.apply_mutations(c jsonb, ms jsonb) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  m jsonb;
  refused jsonb := '[]'::jsonb;
  st text;
  msg text;
  det text;
  hnt text;
begin
  -- 0. The sales as sets, in one block: anything refused or flagged rolls it all back.
  begin
    if app.apply_as_sets(c, ms) then
      return refused;
    end if;
  exception when others then
    get stacked diagnostics st = returned_sqlstate;
    if app.is_transient(st) then raise; end if;
  end;
  -- 1. The whole run one by one, in one block.
  begin
    perform app.apply_in_order(c, ms);
    return refused;
  exception when others then
    get stacked diagnostics st = returned_sqlstate;
    if app.is_transient(st) then raise; end if;
  end;
  -- 2. Something was refused: the run again, a block (a savepoint) per mutation.
  for m in select x from jsonb_array_elements(ms) x loop
    begin
      perform app.apply_in_order(c, jsonb_build_array(m));
    exception when others then
      get stacked diagnostics st = returned_sqlstate, msg = message_text, det = pg_exception_detail, hnt = pg_exception_hint;
      if app.is_transient(st) then raise; end if; -- stop the whole push, record nothing
      refused := refused || jsonb_build_object('id', m->'id', 'state', st, 'message', msg, 'detail', det, 'hint', hnt);
    end;
  end loop;
  return refused;
end $$;

revoke execute on function app.is_transient(text), app.apply_in_order(jsonb, jsonb), app.apply_as_sets(jsonb, jsonb) from public, anon;
grant execute on function app.is_transient(text), app.apply_in_order(jsonb, jsonb), app.apply_as_sets(jsonb, jsonb) to authenticated;

