-- Café: catalog (categories, products, modifiers, recipes, inventory), stock as a ledger
-- of movements with the level it sums to, orders numbered offline, payments, refunds,
-- the cash drawer as a ledger, and loyalty points as a ledger (DESIGN §4).

create table public.categories (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  name text not null check (length(name) between 1 and 100),
  sort integer not null default 0,
  version bigint not null default 0,
  deleted boolean not null default false
);
create index categories_location_id_idx on public.categories (location_id);

create table public.products (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  category_id uuid references public.categories(id),
  name text not null check (length(name) between 1 and 100),
  price_cents integer not null check (price_cents between 0 and 10000000),
  -- null: the location's tax rate applies
  tax_rate_bps integer check (tax_rate_bps between 0 and 10000),
  barcode text check (barcode is null or length(barcode) <= 64),
  image_url text check (image_url is null or length(image_url) <= 1000),
  active boolean not null default true,
  sort integer not null default 0,
  version bigint not null default 0,
  deleted boolean not null default false
);
create index products_location_id_idx on public.products (location_id);
create index products_category_id_idx on public.products (category_id);

-- "86'd": operational, so baristas may change it, unlike the product itself.
create table public.product_availability (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  product_id uuid not null unique references public.products(id),
  sold_out boolean not null default false,
  staff_id uuid references public.staff(id),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index product_availability_location_id_idx on public.product_availability (location_id);
create index product_availability_staff_id_idx on public.product_availability (staff_id);

create table public.modifier_groups (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  name text not null check (length(name) between 1 and 100),
  min_select integer not null default 0 check (min_select >= 0),
  max_select integer not null default 1 check (max_select >= 1),
  sort integer not null default 0,
  version bigint not null default 0,
  deleted boolean not null default false,
  check (min_select <= max_select)
);
create index modifier_groups_location_id_idx on public.modifier_groups (location_id);

create table public.modifiers (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  group_id uuid not null references public.modifier_groups(id),
  name text not null check (length(name) between 1 and 100),
  price_delta_cents integer not null default 0 check (price_delta_cents between -1000000 and 1000000),
  is_default boolean not null default false,
  sort integer not null default 0,
  version bigint not null default 0,
  deleted boolean not null default false
);
create index modifiers_location_id_idx on public.modifiers (location_id);
create index modifiers_group_id_idx on public.modifiers (group_id);

create table public.product_modifier_groups (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  product_id uuid not null references public.products(id),
  group_id uuid not null references public.modifier_groups(id),
  sort integer not null default 0,
  version bigint not null default 0,
  deleted boolean not null default false,
  unique (product_id, group_id)
);
create index product_modifier_groups_location_id_idx on public.product_modifier_groups (location_id);
create index product_modifier_groups_group_id_idx on public.product_modifier_groups (group_id);

create table public.inventory_items (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  name text not null check (length(name) between 1 and 100),
  -- quantities are integers in this unit (g, ml, each): no floats in the ledger
  unit text not null check (unit in ('g','ml','each')),
  low_stock_threshold integer not null default 0 check (low_stock_threshold >= 0),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index inventory_items_location_id_idx on public.inventory_items (location_id);

-- A product or a modifier uses so much of an inventory item.
create table public.recipe_lines (
  id uuid primary key default gen_random_uuid(),
  location_id uuid not null references public.locations(id),
  product_id uuid references public.products(id),
  modifier_id uuid references public.modifiers(id),
  item_id uuid not null references public.inventory_items(id),
  quantity integer not null check (quantity <> 0),
  version bigint not null default 0,
  deleted boolean not null default false,
  check ((product_id is null) <> (modifier_id is null))
);
create index recipe_lines_location_id_idx on public.recipe_lines (location_id);
create index recipe_lines_product_id_idx on public.recipe_lines (product_id);
create index recipe_lines_modifier_id_idx on public.recipe_lines (modifier_id);
create index recipe_lines_item_id_idx on public.recipe_lines (item_id);

create table public.orders (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  device_id uuid references public.devices(id),
  -- device code + per-device sequence: unique without asking the server (A-0042)
  number text not null check (number ~ '^[A-Z0-9]{1,4}-[0-9]{4,}$'),
  staff_id uuid references public.staff(id),
  customer_id uuid references public.customers(id),
  status text not null default 'received'
    check (status in ('received','in_progress','ready','completed','voided')),
  payment_status text not null default 'unpaid'
    check (payment_status in ('unpaid','paid','pay_later','partially_refunded','refunded','written_off')),
  subtotal_cents integer not null check (subtotal_cents >= 0),
  discount_cents integer not null default 0 check (discount_cents >= 0),
  tax_cents integer not null check (tax_cents >= 0),
  tip_cents integer not null default 0 check (tip_cents >= 0),
  total_cents integer not null check (total_cents >= 0),
  note text check (note is null or length(note) <= 500),
  client_time timestamptz,
  created_at timestamptz not null default now(),
  voided_at timestamptz,
  version bigint not null default 0,
  deleted boolean not null default false,
  unique (location_id, number)
);
create index orders_device_id_idx on public.orders (device_id);
create index orders_staff_id_idx on public.orders (staff_id);
create index orders_customer_id_idx on public.orders (customer_id);
create index orders_location_created_idx on public.orders (location_id, created_at);

create table public.order_items (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  order_id uuid not null references public.orders(id),
  product_id uuid references public.products(id),
  -- copied at sale time: the sale as rung up is what the customer paid
  name text not null check (length(name) between 1 and 200),
  quantity integer not null check (quantity between 1 and 1000),
  unit_price_cents integer not null check (unit_price_cents >= 0),
  modifiers jsonb not null default '[]'::jsonb,
  line_total_cents integer not null check (line_total_cents >= 0),
  tax_rate_bps integer not null default 0 check (tax_rate_bps between 0 and 10000),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index order_items_location_id_idx on public.order_items (location_id);
create index order_items_order_id_idx on public.order_items (order_id);
create index order_items_product_id_idx on public.order_items (product_id);

create table public.payments (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  order_id uuid references public.orders(id),
  method text not null check (method in ('cash','card','pass_credit','account')),
  amount_cents integer not null check (amount_cents >= 0),
  tip_cents integer not null default 0 check (tip_cents >= 0),
  tendered_cents integer check (tendered_cents is null or tendered_cents >= 0),
  status text not null default 'succeeded' check (status in ('pending','succeeded','failed','canceled')),
  stripe_payment_intent_id text unique,
  staff_id uuid references public.staff(id),
  device_id uuid references public.devices(id),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index payments_location_id_idx on public.payments (location_id);
create index payments_order_id_idx on public.payments (order_id);
create index payments_staff_id_idx on public.payments (staff_id);
create index payments_device_id_idx on public.payments (device_id);

create table public.refunds (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  payment_id uuid not null references public.payments(id),
  amount_cents integer not null check (amount_cents > 0),
  reason text check (reason is null or length(reason) <= 500),
  status text not null default 'succeeded' check (status in ('pending','succeeded','failed')),
  stripe_refund_id text unique,
  staff_id uuid references public.staff(id),
  user_id uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index refunds_location_id_idx on public.refunds (location_id);
create index refunds_payment_id_idx on public.refunds (payment_id);
create index refunds_staff_id_idx on public.refunds (staff_id);

create table public.stock_movements (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  item_id uuid not null references public.inventory_items(id),
  delta integer not null,
  reason text not null check (reason in ('sale','waste','receive','count','void','correction')),
  order_id uuid references public.orders(id),
  staff_id uuid references public.staff(id),
  device_id uuid references public.devices(id),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index stock_movements_location_id_idx on public.stock_movements (location_id);
create index stock_movements_item_id_idx on public.stock_movements (item_id);
create index stock_movements_order_id_idx on public.stock_movements (order_id);
create index stock_movements_staff_id_idx on public.stock_movements (staff_id);

-- What the movements sum to, kept by a trigger so tablets can hold it as a row.
-- Nobody writes it directly: it has no insert or update policy.
create table public.stock_levels (
  id uuid primary key references public.inventory_items(id),
  location_id uuid not null references public.locations(id),
  quantity integer not null default 0,
  version bigint not null default 0,
  deleted boolean not null default false
);
create index stock_levels_location_id_idx on public.stock_levels (location_id);

create function app.apply_stock_movement() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.stock_levels (id, location_id, quantity)
  values (new.item_id, new.location_id, new.delta)
  on conflict (id) do update set quantity = public.stock_levels.quantity + excluded.quantity;
  return new;
end $$;
revoke execute on function app.apply_stock_movement() from public, anon;

create table public.drawer_sessions (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  device_id uuid references public.devices(id),
  opened_by_staff_id uuid references public.staff(id),
  closed_by_staff_id uuid references public.staff(id),
  opened_at timestamptz not null default now(),
  closed_at timestamptz,
  opening_float_cents integer not null check (opening_float_cents >= 0),
  counted_cents integer check (counted_cents is null or counted_cents >= 0),
  expected_cents integer,
  variance_cents integer,
  status text not null default 'open' check (status in ('open','closed')),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index drawer_sessions_location_id_idx on public.drawer_sessions (location_id);
create index drawer_sessions_device_id_idx on public.drawer_sessions (device_id);
create unique index drawer_sessions_one_open_per_device on public.drawer_sessions (device_id) where status = 'open';

-- The cash in a drawer is a ledger of signed movements.
create table public.drawer_movements (
  id uuid primary key,
  location_id uuid not null references public.locations(id),
  drawer_session_id uuid not null references public.drawer_sessions(id),
  kind text not null check (kind in ('float','sale','refund','pay_in','pay_out')),
  amount_cents integer not null,
  order_id uuid references public.orders(id),
  note text check (note is null or length(note) <= 500),
  staff_id uuid references public.staff(id),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index drawer_movements_location_id_idx on public.drawer_movements (location_id);
create index drawer_movements_session_idx on public.drawer_movements (drawer_session_id);
create index drawer_movements_order_id_idx on public.drawer_movements (order_id);

-- Points are org-wide (a member earns at one café and spends at another).
create table public.loyalty_ledger (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  location_id uuid references public.locations(id),
  customer_id uuid not null references public.customers(id),
  delta_points integer not null check (delta_points <> 0),
  reason text not null check (reason in ('earn','redeem','adjust','void')),
  order_id uuid references public.orders(id),
  created_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted boolean not null default false
);
create index loyalty_ledger_organization_id_idx on public.loyalty_ledger (organization_id);
create index loyalty_ledger_customer_id_idx on public.loyalty_ledger (customer_id);
create index loyalty_ledger_order_id_idx on public.loyalty_ledger (order_id);

do $$
declare t text;
begin
  foreach t in array array['categories','products','product_availability','modifier_groups','modifiers',
    'product_modifier_groups','inventory_items','recipe_lines','orders','order_items','payments','refunds',
    'stock_movements','stock_levels','drawer_sessions','drawer_movements'] loop
    execute format('create trigger version_bump before insert or update on public.%I
                    for each row execute function app.bump_location_version()', t);
  end loop;
end $$;
create trigger version_bump before insert or update on public.loyalty_ledger
  for each row execute function app.bump_org_version();
create trigger stock_level after insert on public.stock_movements
  for each row execute function app.apply_stock_movement();

call app.apply_policies('categories', 'config');
call app.apply_policies('products', 'config');
call app.apply_policies('product_availability', 'ops');
call app.apply_policies('modifier_groups', 'config');
call app.apply_policies('modifiers', 'config');
call app.apply_policies('product_modifier_groups', 'config');
call app.apply_policies('inventory_items', 'config');
call app.apply_policies('recipe_lines', 'config');
call app.apply_policies('orders', 'ops');
call app.apply_policies('order_items', 'ops');
call app.apply_policies('payments', 'ops');
call app.apply_policies('refunds', 'config');
call app.apply_policies('stock_movements', 'ops');
call app.apply_policies('drawer_sessions', 'ops');
call app.apply_policies('drawer_movements', 'ops');
call app.apply_policies('loyalty_ledger', 'org_ops');

-- stock_levels: read-only to everyone; the trigger keeps it.
alter table public.stock_levels enable row level security;
grant select on public.stock_levels to authenticated;
create policy stock_levels_select on public.stock_levels for select to authenticated
  using (location_id in (select app.member_location_ids()));
