-- app.apply_group (20261127000100) repeated app.apply_as_sets's check that the sales may go
-- first (no payment or status change before the sale of its own order) and its two steps.
-- It now hands the group's mutations, each carrying its own push's device, order-number
-- code and client, to app.apply_as_sets itself, as one push's; so a group whose sales
-- cannot all go first is applied in stretches, in order, as one push's would be, instead
-- of push by push. app.apply_in_order applies a mutation with its own device, code and
-- client when it carries them (app.order_create_run and app.run_refused already read them
-- from each sale). A migration that has landed is not edited.

-- app.apply_in_order as in 20261126001900, but a mutation that carries its own device,
-- order-number code and client (a group's, below) is applied with them.
create or replace function app.apply_in_order(c jsonb, ms jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  m jsonb;
begin
  for m in select x from jsonb_array_elements(ms) x loop
    perform app.apply_one(c || jsonb_strip_nulls(jsonb_build_object('deviceId', m->'deviceId', 'deviceCode', m->'deviceCode', 'clientId', m->'clientId'))
                            || jsonb_build_object('staffId', m->'staffId', 'mutationId', m->'id', 'clientTime', m->'clientTime'), m);
  end loop;
end $$;

-- Several pushes of one location at once (runs: [{ c, ms }], each as app.apply_mutations
-- takes them, in the group's order; c: the first push's context, whose claims are set):
-- their mutations in the group's order, each with its own push's device, code and client,
-- go through app.apply_as_sets as one push's would (the sales as one set, then the
-- payments and status changes in order, each under its own push's context). True when it
-- applied them all. False, with nothing written, when anything would be refused or
-- flagged differently from applying the pushes one after another, or when the group has
-- fewer than two sales: the caller then applies each push as before.
create or replace function app.apply_group(c jsonb, runs jsonb) returns boolean
language plpgsql security invoker set search_path = ''
as $$
declare
  ms jsonb;
  st text;
begin
  select jsonb_agg(x.m || jsonb_build_object('deviceId', g.r->'c'->'deviceId', 'deviceCode', g.r->'c'->'deviceCode', 'clientId', g.r->'c'->'clientId')
                   order by g.gi, x.i)
  into ms
  from jsonb_array_elements(runs) with ordinality as g(r, gi), jsonb_array_elements(g.r->'ms') with ordinality as x(m, i);
  begin
    return coalesce(app.apply_as_sets(c, ms), false);
  exception when others then
    get stacked diagnostics st = returned_sqlstate;
    if app.is_transient(st) then raise; end if;
    return false;
  end;
end $$;
