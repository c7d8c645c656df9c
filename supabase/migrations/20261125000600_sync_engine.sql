-- What the push and pull endpoints need beyond the tables: claiming a client id for a
-- device (with the row lock that serializes a client's pushes), reading the current
-- versions for a pull cookie, and (scope, version) indexes for incremental pulls.

-- Locks the client's row for the rest of the transaction and returns how far it has got.
-- A client id belongs to one device: another device using it is refused (42501).
create function app.claim_sync_client(client uuid, schema_version integer) returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  dev uuid := app.device_id();
  loc uuid := app.device_location_id();
  owner_dev uuid;
  last bigint;
begin
  if dev is null then
    raise exception 'not a registered device' using errcode = '42501';
  end if;
  insert into public.sync_clients (id, device_id, location_id, schema_version)
  values (client, dev, loc, schema_version)
  on conflict (id) do nothing;
  select device_id, last_mutation_id into owner_dev, last from public.sync_clients where id = client for update;
  if owner_dev <> dev then
    raise exception 'client id belongs to another device' using errcode = '42501', hint = 'client-owner';
  end if;
  update public.sync_clients set last_seen_at = now(), schema_version = claim_sync_client.schema_version
  where id = client;
  return last;
end $$;
revoke execute on function app.claim_sync_client(uuid, integer) from public, anon;
grant execute on function app.claim_sync_client(uuid, integer) to authenticated;

-- How far a client has got, for pull (0 for a client the server has not seen).
create function app.client_last_mutation(client uuid) returns bigint
language sql stable security definer set search_path = ''
as $$
  select coalesce((select last_mutation_id from public.sync_clients where id = client and device_id = app.device_id()), 0)
$$;
revoke execute on function app.client_last_mutation(uuid) from public, anon;
grant execute on function app.client_last_mutation(uuid) to authenticated;

-- The current versions of the device's location and organization.
create function app.current_versions() returns table (location_version bigint, org_version bigint)
language sql stable security definer set search_path = ''
as $$
  select
    coalesce((select v.version from app.location_versions v where v.location_id = app.device_location_id()), 0),
    coalesce((select v.version from app.org_versions v
              join public.locations l on l.organization_id = v.organization_id
              where l.id = app.device_location_id()), 0)
$$;
revoke execute on function app.current_versions() from public, anon;
grant execute on function app.current_versions() to authenticated;

do $$
declare t text;
begin
  foreach t in array array['staff_locations','devices','categories','products','product_availability','modifier_groups',
    'modifiers','product_modifier_groups','inventory_items','recipe_lines','orders','order_items','payments','refunds',
    'stock_movements','stock_levels','drawer_sessions','drawer_movements','class_types','class_sessions','bookings',
    'reconciliation_items'] loop
    execute format('create index %I on public.%I (location_id, version)', t || '_location_version_idx', t);
  end loop;
  foreach t in array array['staff','customers','loyalty_ledger','plans','customer_passes','credit_ledger','waivers'] loop
    execute format('create index %I on public.%I (organization_id, version)', t || '_org_version_idx', t);
  end loop;
end $$;
