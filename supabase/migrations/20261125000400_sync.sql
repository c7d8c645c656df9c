-- Sync: which client belongs to which device and how far it has got, the mutation log
-- (the audit trail of the counter: every mutation with its outcome), the reconciliation
-- list (DESIGN §9), and the Stripe events already processed.

create table public.sync_clients (
  id uuid primary key,
  device_id uuid not null references public.devices(id),
  location_id uuid not null references public.locations(id),
  last_mutation_id bigint not null default 0 check (last_mutation_id >= 0),
  schema_version integer,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
create index sync_clients_device_id_idx on public.sync_clients (device_id);
create index sync_clients_location_id_idx on public.sync_clients (location_id);

create table public.mutation_log (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.sync_clients(id),
  mutation_id bigint not null check (mutation_id >= 1),
  device_id uuid not null references public.devices(id),
  location_id uuid not null references public.locations(id),
  staff_id uuid references public.staff(id),
  name text not null check (length(name) between 1 and 100),
  args jsonb not null,
  client_time timestamptz,
  status text not null check (status in ('applied','rejected')),
  error jsonb,
  created_at timestamptz not null default now(),
  unique (client_id, mutation_id)
);
create index mutation_log_device_id_idx on public.mutation_log (device_id);
create index mutation_log_location_id_idx on public.mutation_log (location_id, created_at);
create index mutation_log_staff_id_idx on public.mutation_log (staff_id);

create table public.reconciliation_items (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  kind text not null check (kind in ('rejected_mutation','negative_stock','over_capacity','pass_overdraft',
    'loyalty_overdraft','unpaid_order','orphan_card_payment','failed_card_payment','price_difference',
    'drawer_variance','refund_failed')),
  status text not null default 'open' check (status in ('open','resolved','dismissed')),
  summary text not null check (length(summary) between 1 and 500),
  details jsonb not null default '{}'::jsonb,
  device_id uuid references public.devices(id),
  staff_id uuid references public.staff(id),
  client_id uuid,
  mutation_id bigint,
  order_id uuid references public.orders(id),
  booking_id uuid references public.bookings(id),
  occurred_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by uuid references auth.users(id) on delete set null,
  resolution jsonb,
  version bigint not null default 0,
  deleted boolean not null default false
);
create index reconciliation_items_location_status_idx on public.reconciliation_items (location_id, status);
create index reconciliation_items_device_id_idx on public.reconciliation_items (device_id);
create index reconciliation_items_staff_id_idx on public.reconciliation_items (staff_id);
create index reconciliation_items_order_id_idx on public.reconciliation_items (order_id);
create index reconciliation_items_booking_id_idx on public.reconciliation_items (booking_id);

create table public.stripe_events (
  id text primary key,
  type text not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz
);

create trigger version_bump before insert or update on public.reconciliation_items
  for each row execute function app.bump_location_version();

-- sync_clients: a device reads and advances only its own clients; managers read theirs.
alter table public.sync_clients enable row level security;
grant select, insert, update on public.sync_clients to authenticated;
create policy sync_clients_select on public.sync_clients for select to authenticated
  using (device_id = (select app.device_id()) or location_id in (select app.user_location_ids()));
create policy sync_clients_insert on public.sync_clients for insert to authenticated
  with check (device_id = (select app.device_id()) and location_id = (select app.device_location_id()));
create policy sync_clients_update on public.sync_clients for update to authenticated
  using (device_id = (select app.device_id()))
  with check (device_id = (select app.device_id()) and location_id = (select app.device_location_id()));

-- mutation_log: append-only; a device writes its own entries, managers read them.
alter table public.mutation_log enable row level security;
grant select, insert on public.mutation_log to authenticated;
create policy mutation_log_select on public.mutation_log for select to authenticated
  using (device_id = (select app.device_id()) or location_id in (select app.user_location_ids()));
create policy mutation_log_insert on public.mutation_log for insert to authenticated
  with check (device_id = (select app.device_id()) and location_id = (select app.device_location_id()));

-- reconciliation: any member raises and reads items; managers resolve them.
call app.apply_policies('reconciliation_items', 'config');
drop policy reconciliation_items_insert on public.reconciliation_items;
create policy reconciliation_items_insert on public.reconciliation_items for insert to authenticated
  with check (location_id in (select app.member_location_ids()));

-- stripe_events: trusted code only (webhooks run as the owner). RLS on, no policies.
alter table public.stripe_events enable row level security;
revoke all on public.stripe_events from anon, authenticated;

-- Anything created here later is closed to the API roles until a migration opens it.
alter default privileges in schema public revoke all on tables from anon, authenticated;
