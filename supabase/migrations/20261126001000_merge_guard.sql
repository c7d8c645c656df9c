-- Merging two member records (customer.merge, issue #7) moves rows at every location of
-- the organization; row-level security would silently skip the locations the acting
-- manager does not manage and leave half a person behind. This tells the mutator whether
-- the principal manages every location of the organization (owners always do).
create function app.manages_whole_org(org uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select not exists (
    select 1 from public.locations l
    where l.organization_id = org and not l.deleted and l.id not in (select app.manager_location_ids())
  )
$$;
revoke all on function app.manages_whole_org(uuid) from public;
grant execute on function app.manages_whole_org(uuid) to authenticated;
