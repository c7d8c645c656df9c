-- What each tablet last said of its own queue (issue #7: the devices page shows "waiting
-- mutations as last reported" and the app build). A pull carries it in a header
-- (src/shared/sync/protocol.ts, QUEUE_HEADER); the pull records it here, per device, so
-- a tablet whose pushes keep failing is still seen holding its queue. Not a synced table:
-- writing it raises no version and pokes nobody. Written only through app.report_queue
-- (the device in the claims reports for itself) and read through app.queue_reports()
-- (the manager's locations only).
create table app.device_queue_reports (
  device_id uuid primary key references public.devices(id),
  location_id uuid not null references public.locations(id),
  waiting_mutations integer not null check (waiting_mutations >= 0),
  oldest_waiting_at timestamptz,
  app_version text check (app_version is null or length(app_version) <= 64),
  reported_at timestamptz not null default now()
);
revoke all on app.device_queue_reports from public, anon, authenticated;

create function app.report_queue(waiting integer, oldest timestamptz, app_version text) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  dev uuid := app.device_id();
  loc uuid := app.device_location_id();
begin
  if dev is null or loc is null then return; end if;
  -- unchanged and recent: nothing to write (a pull every few seconds must not churn a row)
  insert into app.device_queue_reports as r (device_id, location_id, waiting_mutations, oldest_waiting_at, app_version)
  values (dev, loc, waiting, oldest, app_version)
  on conflict (device_id) do update
    set waiting_mutations = excluded.waiting_mutations, oldest_waiting_at = excluded.oldest_waiting_at,
        app_version = excluded.app_version, location_id = excluded.location_id, reported_at = now()
    where (r.waiting_mutations, r.oldest_waiting_at, r.app_version) is distinct from
          (excluded.waiting_mutations, excluded.oldest_waiting_at, excluded.app_version)
       or r.reported_at < now() - interval '1 minute';
end $$;
revoke execute on function app.report_queue(integer, timestamptz, text) from public, anon;
grant execute on function app.report_queue(integer, timestamptz, text) to authenticated;

create function app.queue_reports() returns setof app.device_queue_reports
language sql stable security definer set search_path = ''
as $$
  select r.* from app.device_queue_reports r where r.location_id in (select app.manager_location_ids())
$$;
revoke execute on function app.queue_reports() from public, anon;
grant execute on function app.queue_reports() to authenticated;
