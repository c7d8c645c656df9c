-- Versions by the block. Taking the next version updated a location's version row once
-- per written row: a push of 50 sales updated that one row ~400 times, and with several
-- tablets pushing at once the dead row versions could not be pruned, so every update
-- walked a longer chain (20 tablets at one café: 124 s for what one tablet does in 12).
--
-- Now the first write of a transaction reserves a block of versions with ONE update,
-- under the same row lock, and later writes take versions from a transaction-local
-- counter. Versions still follow commit order: the next writer waits for the lock and
-- reserves above the whole block. Unused versions are gaps, which a cookie (a high-water
-- mark) does not mind. If the reserving statement is rolled back (a savepoint), the
-- counter rolls back with it and the next write reserves again.

create or replace function app.take_version(kind text, scope uuid) returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  guc text := 'tandem.v_' || kind || '_' || replace(scope::text, '-', '');
  cur text := current_setting(guc, true);
  nxt bigint;
  hi bigint;
  block constant bigint := 1000;
begin
  if cur is not null and cur <> '' then
    nxt := split_part(cur, ':', 1)::bigint;
    hi := split_part(cur, ':', 2)::bigint;
    if nxt <= hi then
      perform set_config(guc, (nxt + 1)::text || ':' || hi::text, true);
      return nxt;
    end if;
  end if;
  if kind = 'loc' then
    update app.location_versions set version = version + block where location_id = scope returning version into hi;
    if hi is null then
      insert into app.location_versions (location_id, version) values (scope, block)
      on conflict (location_id) do update set version = app.location_versions.version + block
      returning version into hi;
    end if;
    perform pg_notify('tandem_poke', 'loc:' || scope::text);
  else
    update app.org_versions set version = version + block where organization_id = scope returning version into hi;
    if hi is null then
      insert into app.org_versions (organization_id, version) values (scope, block)
      on conflict (organization_id) do update set version = app.org_versions.version + block
      returning version into hi;
    end if;
    perform pg_notify('tandem_poke', 'org:' || scope::text);
  end if;
  nxt := hi - block + 1;
  perform set_config(guc, (nxt + 1)::text || ':' || hi::text, true);
  return nxt;
end $$;
revoke execute on function app.take_version(text, uuid) from public, anon, authenticated;

create or replace function app.next_location_version(loc uuid) returns bigint
language sql security definer set search_path = ''
as $$ select app.take_version('loc', loc) $$;

create or replace function app.next_org_version(org uuid) returns bigint
language sql security definer set search_path = ''
as $$ select app.take_version('org', org) $$;
