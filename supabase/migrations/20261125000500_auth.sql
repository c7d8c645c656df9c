-- Server-side sign-in state, outside the exposed schema: manager sessions (only a hash
-- of the cookie is stored, so a database read does not yield live sessions), settings
-- such as the device-token signing key, and the one function through which a manager's
-- request stores a new device's credential hash.

create table app.sessions (
  id_hash text primary key,
  user_id uuid not null references auth.users(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  user_agent text
);
create index sessions_user_id_idx on app.sessions (user_id);
create index sessions_expires_at_idx on app.sessions (expires_at);

create table app.settings (
  key text primary key,
  value text not null,
  created_at timestamptz not null default now()
);

-- Called inside a manager's request (role authenticated): stores the credential hash of a
-- device the caller has just registered, only if the caller manages its location.
create function app.set_device_secret(dev uuid, credential_hash text) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (
    select 1 from public.devices d
    where d.id = dev and d.location_id in (select app.manager_location_ids())
  ) then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  insert into app.device_secrets (device_id, credential_hash) values (dev, credential_hash)
  on conflict (device_id) do update set credential_hash = excluded.credential_hash;
end $$;
revoke execute on function app.set_device_secret(uuid, text) from public, anon;
grant execute on function app.set_device_secret(uuid, text) to authenticated;
