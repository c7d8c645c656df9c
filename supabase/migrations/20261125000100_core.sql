-- Core: organizations, locations, staff, devices, customers, audit, and the machinery
-- every synced table shares: per-location and per-organization versions taken in the
-- writer's transaction (DESIGN §6 Pull), and the RLS helpers (DESIGN §5).
--
-- Helpers live in schema `app`, which PostgREST does not expose. Those that read
-- memberships are security definer with an empty search_path and are executable by
-- `authenticated` only, never by `anon`.

create schema if not exists app;
revoke all on schema app from public;
grant usage on schema app to authenticated, service_role;

-- ---------------------------------------------------------------- versions
create table app.location_versions (
  location_id uuid primary key,
  version bigint not null default 0
);
create table app.org_versions (
  organization_id uuid primary key,
  version bigint not null default 0
);

-- Takes the next version of a location. The UPDATE row-locks the location's version row
-- until the writer commits, so versions follow commit order and a pull cookie can never
-- skip a transaction that commits late. The notify is delivered at commit (a poke).
create function app.next_location_version(loc uuid) returns bigint
language plpgsql security definer set search_path = ''
as $$
declare v bigint;
begin
  update app.location_versions set version = version + 1 where location_id = loc returning version into v;
  if v is null then
    insert into app.location_versions (location_id, version) values (loc, 1)
    on conflict (location_id) do update set version = app.location_versions.version + 1
    returning version into v;
  end if;
  perform pg_notify('tandem_poke', 'loc:' || loc::text);
  return v;
end $$;

create function app.next_org_version(org uuid) returns bigint
language plpgsql security definer set search_path = ''
as $$
declare v bigint;
begin
  update app.org_versions set version = version + 1 where organization_id = org returning version into v;
  if v is null then
    insert into app.org_versions (organization_id, version) values (org, 1)
    on conflict (organization_id) do update set version = app.org_versions.version + 1
    returning version into v;
  end if;
  perform pg_notify('tandem_poke', 'org:' || org::text);
  return v;
end $$;

create function app.bump_location_version() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.location_id is distinct from old.location_id then
    raise exception 'a row cannot move to another location' using errcode = '23514';
  end if;
  new.version := app.next_location_version(new.location_id);
  return new;
end $$;

create function app.bump_org_version() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.organization_id is distinct from old.organization_id then
    raise exception 'a row cannot move to another organization' using errcode = '23514';
  end if;
  new.version := app.next_org_version(new.organization_id);
  return new;
end $$;

-- The location table itself is versioned in its own stream (its id is the location).
-- A location never changes organization: a manager of it could otherwise move it into
-- another organization and read that organization's org-wide rows.
create function app.bump_own_location_version() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.organization_id is distinct from old.organization_id then
    raise exception 'a location cannot move to another organization' using errcode = '23514';
  end if;
  new.version := app.next_location_version(new.id);
  return new;
end $$;

create function app.bump_own_org_version() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.version := app.next_org_version(new.id);
  return new;
end $$;

-- ---------------------------------------------------------------- tables
create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);

create table public.locations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  name text not null check (length(name) between 1 and 200),
  timezone text not null default 'UTC' check (length(timezone) between 1 and 64),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  tax_rate_bps integer not null default 0 check (tax_rate_bps between 0 and 10000),
  screens text[] not null default '{pos}' check (screens <@ array['pos','desk']::text[] and cardinality(screens) > 0),
  late_cancel_minutes integer not null default 720 check (late_cancel_minutes between 0 and 10080),
  loyalty_points_per_dollar integer not null default 1 check (loyalty_points_per_dollar between 0 and 100),
  stripe_terminal_location text,
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index locations_organization_id_idx on public.locations (organization_id);

create table public.staff (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  name text not null check (length(name) between 1 and 200),
  role text not null check (role in ('owner','manager','barista','front_desk','instructor')),
  -- PBKDF2-SHA256 of the PIN with a per-staff salt, synced to devices so PINs check offline.
  pin_hash text,
  pin_salt text,
  pin_iterations integer check (pin_iterations is null or pin_iterations >= 10000),
  auth_user_id uuid unique references auth.users(id) on delete set null,
  email text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false,
  check ((pin_hash is null) = (pin_salt is null))
);
create index staff_organization_id_idx on public.staff (organization_id);

create table public.staff_locations (
  id uuid primary key default gen_random_uuid(),
  staff_id uuid not null references public.staff(id),
  location_id uuid not null references public.locations(id),
  version bigint not null default 0,
  deleted boolean not null default false,
  unique (staff_id, location_id)
);
create index staff_locations_location_id_idx on public.staff_locations (location_id);

create table public.devices (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  name text not null check (length(name) between 1 and 100),
  -- Short code used in offline order numbers (A-0042); unique per location.
  code text not null check (code ~ '^[A-Z0-9]{1,4}$'),
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_seen_at timestamptz,
  app_version text,
  version bigint not null default 0,
  deleted boolean not null default false,
  unique (location_id, code)
);

-- The credential hash never sits in an exposed table.
create table app.device_secrets (
  device_id uuid primary key references public.devices(id) on delete cascade,
  credential_hash text not null
);

create table public.customers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  name text not null check (length(name) between 1 and 200),
  email text check (email is null or length(email) <= 320),
  phone text check (phone is null or length(phone) <= 40),
  -- What a member's QR card or loyalty card encodes.
  code text check (code is null or length(code) between 4 and 64),
  notes text check (notes is null or length(notes) <= 2000),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false,
  unique (organization_id, code)
);
create index customers_organization_id_idx on public.customers (organization_id);

create table public.audit_log (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  location_id uuid references public.locations(id),
  actor_user_id uuid references auth.users(id) on delete set null,
  actor_staff_id uuid references public.staff(id),
  action text not null check (length(action) between 1 and 100),
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index audit_log_organization_id_idx on public.audit_log (organization_id);
create index audit_log_location_id_idx on public.audit_log (location_id);
create index audit_log_actor_staff_id_idx on public.audit_log (actor_staff_id);

create trigger version_bump before insert or update on public.organizations
  for each row execute function app.bump_own_org_version();
create trigger version_bump before insert or update on public.locations
  for each row execute function app.bump_own_location_version();
create trigger version_bump before insert or update on public.staff
  for each row execute function app.bump_org_version();
create trigger version_bump before insert or update on public.staff_locations
  for each row execute function app.bump_location_version();
create trigger version_bump before insert or update on public.devices
  for each row execute function app.bump_location_version();
create trigger version_bump before insert or update on public.customers
  for each row execute function app.bump_org_version();

-- ---------------------------------------------------------------- who is asking
-- Claims are set per transaction by the app server (withClaims). A device principal has
-- device_id (and staff_id when a staff member acts); a user principal has sub = auth.users.id.

create function app.claims() returns jsonb
language sql stable set search_path = ''
as $$ select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) $$;

-- The acting device, only while it is registered and not revoked.
create function app.device_id() returns uuid
language sql stable security definer set search_path = ''
as $$
  select d.id from public.devices d
  where d.id = nullif(app.claims() ->> 'device_id', '')::uuid and d.revoked_at is null and not d.deleted
$$;

create function app.device_location_id() returns uuid
language sql stable security definer set search_path = ''
as $$
  select d.location_id from public.devices d where d.id = app.device_id()
$$;

-- The acting staff member's role, only if they work at the device's location (a link to
-- a location of another organization counts for nothing).
create function app.staff_role() returns text
language sql stable security definer set search_path = ''
as $$
  select s.role from public.staff s
  join public.staff_locations sl on sl.staff_id = s.id and not sl.deleted
  join public.locations l on l.id = sl.location_id and l.organization_id = s.organization_id
  where s.id = nullif(app.claims() ->> 'staff_id', '')::uuid
    and sl.location_id = app.device_location_id()
    and s.active and not s.deleted
$$;

-- The signed-in user's staff record (owner or manager), never for a device.
create function app.user_staff_role(org uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select s.role from public.staff s
  where s.auth_user_id = auth.uid() and s.organization_id = org
    and s.active and not s.deleted and s.role in ('owner','manager')
    and nullif(app.claims() ->> 'device_id', '') is null
$$;

-- Locations a user manages: an owner every location of the organization, a manager
-- the locations of their organization they are assigned to.
create function app.user_location_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select l.id from public.staff s
  join public.locations l on l.organization_id = s.organization_id and not l.deleted
  where s.auth_user_id = auth.uid() and s.role = 'owner' and s.active and not s.deleted
    and nullif(app.claims() ->> 'device_id', '') is null
  union
  select sl.location_id from public.staff s
  join public.staff_locations sl on sl.staff_id = s.id and not sl.deleted
  join public.locations l on l.id = sl.location_id and l.organization_id = s.organization_id and not l.deleted
  where s.auth_user_id = auth.uid() and s.role = 'manager' and s.active and not s.deleted
    and nullif(app.claims() ->> 'device_id', '') is null
$$;

-- Locations whose operational rows the principal may read and write.
create function app.member_location_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select app.device_location_id() where app.device_location_id() is not null
  union
  select app.user_location_ids()
$$;

-- Locations whose configuration (catalog, schedule, staff, devices) the principal may
-- change: a manager's or owner's own, or a device while a manager or owner acts on it.
create function app.manager_location_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select app.device_location_id() where app.staff_role() in ('owner','manager')
  union
  select app.user_location_ids()
$$;

create function app.member_org_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select l.organization_id from public.locations l where l.id in (select app.member_location_ids())
  union
  select s.organization_id from public.staff s
  where s.auth_user_id = auth.uid() and s.role in ('owner','manager') and s.active and not s.deleted
    and nullif(app.claims() ->> 'device_id', '') is null
$$;

create function app.manager_org_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select l.organization_id from public.locations l where l.id in (select app.manager_location_ids())
$$;

create function app.owner_org_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select s.organization_id from public.staff s
  where s.auth_user_id = auth.uid() and s.role = 'owner' and s.active and not s.deleted
    and nullif(app.claims() ->> 'device_id', '') is null
$$;

revoke execute on all functions in schema app from public, anon;
grant execute on function app.claims(), app.device_id(), app.device_location_id(), app.staff_role(),
  app.user_staff_role(uuid), app.user_location_ids(), app.member_location_ids(), app.manager_location_ids(),
  app.member_org_ids(), app.manager_org_ids(), app.owner_org_ids() to authenticated;

-- ---------------------------------------------------------------- policy templates
-- Every table's policies follow one of a few shapes; this procedure writes them so that
-- the shapes cannot drift apart. It runs at migration time only (owner), and the
-- policies it writes are ordinary policies the security advisor can read.
--   ops           operational rows of a location: members read, insert and update
--   config        configuration of a location: members read, managers insert and update
--   org_ops       org-wide rows tablets change (customers, passes, ledgers): org members
--   org_config    org-wide configuration (plans, staff): org members read, managers write
--   manager_read  rows only managers read (audit); members may insert (the log of what they did)
create procedure app.apply_policies(tbl text, shape text, scope_col text default null)
language plpgsql
as $$
declare
  col text := coalesce(scope_col, case when shape like 'org%' then 'organization_id' else 'location_id' end);
  member text := case when col = 'organization_id' then 'app.member_org_ids()' else 'app.member_location_ids()' end;
  manager text := case when col = 'organization_id' then 'app.manager_org_ids()' else 'app.manager_location_ids()' end;
  reader text;
  writer text;
begin
  reader := format('%I in (select %s)', col, member);
  writer := case when shape in ('ops','org_ops','manager_read') then reader
                 else format('%I in (select %s)', col, manager) end;
  if shape = 'manager_read' then
    reader := format('%I in (select %s)', col, manager);
  end if;
  execute format('alter table public.%I enable row level security', tbl);
  execute format('grant select, insert, update, delete on public.%I to authenticated', tbl);
  execute format('create policy %I on public.%I for select to authenticated using (%s)', tbl || '_select', tbl, reader);
  execute format('create policy %I on public.%I for insert to authenticated with check (%s)', tbl || '_insert', tbl, writer);
  if shape <> 'manager_read' then
    execute format('create policy %I on public.%I for update to authenticated using (%s) with check (%s)',
                   tbl || '_update', tbl, writer, writer);
  end if;
  -- No DELETE policy anywhere: synced rows are tombstoned (deleted = true) so tablets learn of it.
end $$;
revoke all on procedure app.apply_policies(text, text, text) from public;

-- organizations: members read; owners rename; created by trusted code only.
alter table public.organizations enable row level security;
grant select, update on public.organizations to authenticated;
create policy organizations_select on public.organizations for select to authenticated
  using (id in (select app.member_org_ids()));
create policy organizations_update on public.organizations for update to authenticated
  using (id in (select app.owner_org_ids())) with check (id in (select app.owner_org_ids()));

-- locations: members read their own; managers edit theirs; owners open new ones.
alter table public.locations enable row level security;
grant select, insert, update on public.locations to authenticated;
create policy locations_select on public.locations for select to authenticated
  using (id in (select app.member_location_ids()));
create policy locations_insert on public.locations for insert to authenticated
  with check (organization_id in (select app.owner_org_ids()));
create policy locations_update on public.locations for update to authenticated
  using (id in (select app.manager_location_ids())) with check (id in (select app.manager_location_ids()));

call app.apply_policies('staff', 'org_config');
-- staff: managers look after baristas, front desk and instructors; owners and managers are
-- added, changed and promoted by a signed-in owner only. Otherwise a manager could make
-- themselves owner, or take over another manager's record and with it their locations.
drop policy staff_insert on public.staff;
drop policy staff_update on public.staff;
create policy staff_insert on public.staff for insert to authenticated
  with check (organization_id in (select app.owner_org_ids())
    or (organization_id in (select app.manager_org_ids()) and role not in ('owner','manager')));
create policy staff_update on public.staff for update to authenticated
  using (organization_id in (select app.owner_org_ids())
    or (organization_id in (select app.manager_org_ids()) and role not in ('owner','manager')))
  with check (organization_id in (select app.owner_org_ids())
    or (organization_id in (select app.manager_org_ids()) and role not in ('owner','manager')));
call app.apply_policies('staff_locations', 'config');
call app.apply_policies('devices', 'config');
call app.apply_policies('customers', 'org_ops');
call app.apply_policies('audit_log', 'manager_read', 'organization_id');

grant usage on schema public to anon, authenticated;
