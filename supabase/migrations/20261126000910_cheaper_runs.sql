-- Two per-row costs of a push run, cut (issue #3): taking a version, and savepoints.
--
-- 1. Taking a version. Every synced row written fires a version
-- trigger, and that trigger went through three security-definer functions, each with its
-- own `set search_path` (the trigger → app.next_location_version → app.take_version): a
-- sale writes ~15 rows, so ~45 function calls that each save and restore settings.
--
-- Now the trigger itself takes the next version from the transaction's reserved block
-- (the same `tandem.v_<kind>_<scope>` counter app.take_version keeps, read and advanced the
-- same way) and calls app.take_version only when a new block must be reserved, which is
-- when the location's version row is locked. Nothing else changes: versions still follow
-- commit order, and the counter still rolls back with a savepoint.

create or replace function app.bump_location_version() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  guc text;
  cur text;
  nxt bigint;
begin
  if tg_op = 'UPDATE' and new.location_id is distinct from old.location_id then
    raise exception 'a row cannot move to another location' using errcode = '23514';
  end if;
  guc := 'tandem.v_loc_' || replace(new.location_id::text, '-', '');
  cur := current_setting(guc, true);
  if cur is not null and cur <> '' then
    nxt := split_part(cur, ':', 1)::bigint;
    if nxt <= split_part(cur, ':', 2)::bigint then
      -- an assignment, not PERFORM: PL/pgSQL evaluates it as a simple expression, no SPI
      cur := set_config(guc, (nxt + 1)::text || ':' || split_part(cur, ':', 2), true);
      new.version := nxt;
      return new;
    end if;
  end if;
  new.version := app.take_version('loc', new.location_id);
  return new;
end $$;

create or replace function app.bump_org_version() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  guc text;
  cur text;
  nxt bigint;
begin
  if tg_op = 'UPDATE' and new.organization_id is distinct from old.organization_id then
    raise exception 'a row cannot move to another organization' using errcode = '23514';
  end if;
  guc := 'tandem.v_org_' || replace(new.organization_id::text, '-', '');
  cur := current_setting(guc, true);
  if cur is not null and cur <> '' then
    nxt := split_part(cur, ':', 1)::bigint;
    if nxt <= split_part(cur, ':', 2)::bigint then
      cur := set_config(guc, (nxt + 1)::text || ':' || split_part(cur, ':', 2), true);
      new.version := nxt;
      return new;
    end if;
  end if;
  new.version := app.take_version('org', new.organization_id);
  return new;
end $$;

-- 2. A run of mutations, one savepoint in the usual case. A BEGIN … EXCEPTION block per
-- mutation is a subtransaction per mutation, and every row lock a foreign key takes (the
-- location, the device, the staff member, FOR KEY SHARE) by one subtransaction after
-- another becomes a MultiXact that grows with the run: ~25% of a run's time. So the run
-- is tried first as ONE block; only if some mutation in it is refused is that block rolled
-- back (all of the run's effects, the version counter with them) and the run redone with
-- a block per mutation, exactly as before. A refused mutation still rolls back alone, and
-- transient errors still stop the push.
create function app.apply_one(ctx jsonb, m jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
begin
  case m->>'name'
    when 'order.create' then perform app.order_create(ctx, m->'args');
    when 'order.payCash' then perform app.order_pay_cash(ctx, m->'args');
    when 'order.setStatus' then perform app.order_set_status(ctx, m->'args');
    else perform app.refuse('VALIDATION_FAILED', format('Unknown mutation "%s". Update the app on this tablet.', m->>'name'));
  end case;
end $$;

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

revoke execute on function app.apply_one(jsonb, jsonb) from public, anon;
grant execute on function app.apply_one(jsonb, jsonb) to authenticated;
