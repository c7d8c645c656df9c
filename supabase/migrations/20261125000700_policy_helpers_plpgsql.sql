-- The RLS helpers again, same rules, in PL/pgSQL. Security-definer SQL functions can be
-- neither inlined nor plan-cached, so every policy check re-planned several small queries:
-- under a device's claims an order cost three times what it costs as the owner. PL/pgSQL
-- caches each statement's plan for the session. (Measured by `npm run bench`.)

create or replace function app.device_id() returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare dev uuid := nullif(app.claims() ->> 'device_id', '')::uuid;
begin
  if dev is null then return null; end if;
  return (select d.id from public.devices d where d.id = dev and d.revoked_at is null and not d.deleted);
end $$;

create or replace function app.device_location_id() returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare dev uuid := nullif(app.claims() ->> 'device_id', '')::uuid;
begin
  if dev is null then return null; end if;
  return (select d.location_id from public.devices d where d.id = dev and d.revoked_at is null and not d.deleted);
end $$;

create or replace function app.staff_role() returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  who uuid := nullif(app.claims() ->> 'staff_id', '')::uuid;
  loc uuid;
begin
  if who is null then return null; end if;
  loc := app.device_location_id();
  if loc is null then return null; end if;
  return (
    select s.role from public.staff s
    join public.staff_locations sl on sl.staff_id = s.id and not sl.deleted
    join public.locations l on l.id = sl.location_id and l.organization_id = s.organization_id
    where s.id = who and sl.location_id = loc and s.active and not s.deleted
  );
end $$;

create or replace function app.user_location_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
declare uid uuid := auth.uid();
begin
  if uid is null or nullif(app.claims() ->> 'device_id', '') is not null then return; end if;
  return query
    select l.id from public.staff s
    join public.locations l on l.organization_id = s.organization_id and not l.deleted
    where s.auth_user_id = uid and s.role = 'owner' and s.active and not s.deleted
    union
    select sl.location_id from public.staff s
    join public.staff_locations sl on sl.staff_id = s.id and not sl.deleted
    join public.locations l on l.id = sl.location_id and l.organization_id = s.organization_id and not l.deleted
    where s.auth_user_id = uid and s.role = 'manager' and s.active and not s.deleted;
end $$;

create or replace function app.member_location_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
declare loc uuid := app.device_location_id();
begin
  if loc is not null then return next loc; end if;
  return query select app.user_location_ids();
end $$;

create or replace function app.manager_location_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
declare loc uuid := app.device_location_id();
begin
  if loc is not null and app.staff_role() in ('owner','manager') then return next loc; end if;
  return query select app.user_location_ids();
end $$;

create or replace function app.member_org_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
declare uid uuid := auth.uid();
begin
  return query
    select l.organization_id from public.locations l where l.id in (select app.member_location_ids())
    union
    select s.organization_id from public.staff s
    where uid is not null and s.auth_user_id = uid and s.role in ('owner','manager') and s.active and not s.deleted
      and nullif(app.claims() ->> 'device_id', '') is null;
end $$;

create or replace function app.manager_org_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query select l.organization_id from public.locations l where l.id in (select app.manager_location_ids());
end $$;

create or replace function app.owner_org_ids() returns setof uuid
language plpgsql stable security definer set search_path = ''
as $$
declare uid uuid := auth.uid();
begin
  if uid is null or nullif(app.claims() ->> 'device_id', '') is not null then return; end if;
  return query select s.organization_id from public.staff s
    where s.auth_user_id = uid and s.role = 'owner' and s.active and not s.deleted;
end $$;
