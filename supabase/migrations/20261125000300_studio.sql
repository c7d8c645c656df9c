-- Studio: class types and sessions per location; bookings with a waitlist; plans,
-- passes, the credit ledger and waivers org-wide, because members visit any studio
-- of the organization (DESIGN §4).

create table public.class_types (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  name text not null check (length(name) between 1 and 100),
  description text check (description is null or length(description) <= 2000),
  duration_minutes integer not null default 60 check (duration_minutes between 5 and 600),
  default_capacity integer not null default 20 check (default_capacity between 1 and 1000),
  color text check (color is null or color ~ '^#[0-9a-fA-F]{6}$'),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index class_types_location_id_idx on public.class_types (location_id);

create table public.class_sessions (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  class_type_id uuid not null references public.class_types(id),
  instructor_staff_id uuid references public.staff(id),
  substitute_staff_id uuid references public.staff(id),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  capacity integer not null check (capacity between 1 and 1000),
  room text check (room is null or length(room) <= 100),
  cancelled boolean not null default false,
  version bigint not null default 0,
  deleted boolean not null default false,
  check (ends_at > starts_at)
);
create index class_sessions_location_starts_idx on public.class_sessions (location_id, starts_at);
create index class_sessions_class_type_id_idx on public.class_sessions (class_type_id);
create index class_sessions_instructor_idx on public.class_sessions (instructor_staff_id);
create index class_sessions_substitute_idx on public.class_sessions (substitute_staff_id);

create table public.plans (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  name text not null check (length(name) between 1 and 100),
  kind text not null check (kind in ('drop_in','pack','unlimited')),
  credits integer check (credits is null or credits between 1 and 1000),
  duration_days integer check (duration_days is null or duration_days between 1 and 3650),
  price_cents integer not null check (price_cents between 0 and 10000000),
  active boolean not null default true,
  version bigint not null default 0,
  deleted boolean not null default false,
  check ((kind = 'unlimited') = (credits is null)),
  check (kind <> 'unlimited' or duration_days is not null)
);
create index plans_organization_id_idx on public.plans (organization_id);

create table public.customer_passes (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  customer_id uuid not null references public.customers(id),
  plan_id uuid not null references public.plans(id),
  kind text not null check (kind in ('drop_in','pack','unlimited')),
  credits_total integer check (credits_total is null or credits_total >= 0),
  starts_at timestamptz not null default now(),
  expires_at timestamptz,
  sold_at_location_id uuid references public.locations(id),
  order_id uuid references public.orders(id),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false,
  check (expires_at is null or expires_at > starts_at)
);
create index customer_passes_organization_id_idx on public.customer_passes (organization_id);
create index customer_passes_customer_id_idx on public.customer_passes (customer_id);
create index customer_passes_plan_id_idx on public.customer_passes (plan_id);
create index customer_passes_order_id_idx on public.customer_passes (order_id);

create table public.bookings (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  session_id uuid not null references public.class_sessions(id),
  customer_id uuid not null references public.customers(id),
  status text not null default 'booked'
    check (status in ('booked','waitlisted','cancelled','late_cancelled','no_show','checked_in')),
  waitlist_position integer check (waitlist_position is null or waitlist_position >= 1),
  pass_id uuid references public.customer_passes(id),
  checked_in_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false,
  check ((status = 'waitlisted') = (waitlist_position is not null))
);
create index bookings_location_id_idx on public.bookings (location_id);
create index bookings_session_id_idx on public.bookings (session_id);
create index bookings_customer_id_idx on public.bookings (customer_id);
create index bookings_pass_id_idx on public.bookings (pass_id);
-- one live booking per student per class
create unique index bookings_one_live_per_customer on public.bookings (session_id, customer_id)
  where status not in ('cancelled','late_cancelled') and not deleted;

create table public.credit_ledger (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  location_id uuid references public.locations(id),
  pass_id uuid not null references public.customer_passes(id),
  customer_id uuid not null references public.customers(id),
  delta integer not null check (delta <> 0),
  reason text not null check (reason in ('purchase','check_in','refund','adjust','late_cancel')),
  booking_id uuid references public.bookings(id),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index credit_ledger_organization_id_idx on public.credit_ledger (organization_id);
create index credit_ledger_pass_id_idx on public.credit_ledger (pass_id);
create index credit_ledger_customer_id_idx on public.credit_ledger (customer_id);
create index credit_ledger_booking_id_idx on public.credit_ledger (booking_id);
-- a booking consumes a credit once, however often its check-in is delivered
create unique index credit_ledger_one_check_in_per_booking on public.credit_ledger (booking_id)
  where reason = 'check_in' and not deleted;

create table public.waivers (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  customer_id uuid not null references public.customers(id),
  document_version text not null check (length(document_version) between 1 and 40),
  signed_name text not null check (length(signed_name) between 1 and 200),
  signed_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index waivers_organization_id_idx on public.waivers (organization_id);
create index waivers_customer_id_idx on public.waivers (customer_id);

do $$
declare t text;
begin
  foreach t in array array['class_types','class_sessions','bookings'] loop
    execute format('create trigger version_bump before insert or update on public.%I
                    for each row execute function app.bump_location_version()', t);
  end loop;
  foreach t in array array['plans','customer_passes','credit_ledger','waivers'] loop
    execute format('create trigger version_bump before insert or update on public.%I
                    for each row execute function app.bump_org_version()', t);
  end loop;
end $$;

call app.apply_policies('class_types', 'config');
call app.apply_policies('class_sessions', 'config');
call app.apply_policies('bookings', 'ops');
call app.apply_policies('plans', 'org_config');
call app.apply_policies('customer_passes', 'org_ops');
call app.apply_policies('credit_ledger', 'org_ops');
call app.apply_policies('waivers', 'org_ops');
