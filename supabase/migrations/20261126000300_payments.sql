-- Card payments (issue #6, DESIGN §8): the PaymentIntent the server made for each order
-- and attempt, and the demo gateway's own state (its stand-in for Stripe's objects when
-- there are no Stripe keys).
--
-- Both are trusted-only: they live in schema `app` (not exposed through PostgREST), RLS
-- is on with no policies, and the API roles have no privileges on them. Tablets never
-- read them: a card payment reaches a tablet as a public.payments row through the normal
-- pull, like any other synced row.

-- One row per (order, attempt). The attempt makes the idempotency key, so a tablet that
-- retries attempt 1 gets the same PaymentIntent, and a new attempt (after a decline or a
-- cancel) gets a new one. amount_cents is what the server asked for: a tip added on the
-- reader is what Stripe received above it.
create table app.card_intents (
  id text primary key check (length(id) between 3 and 255),
  order_id uuid not null references public.orders(id),
  location_id uuid not null references public.locations(id),
  device_id uuid references public.devices(id),
  -- who took it at the counter, when the tablet says (checked against the location's staff)
  staff_id uuid references public.staff(id),
  attempt integer not null check (attempt between 1 and 100),
  amount_cents integer not null check (amount_cents > 0),
  currency text not null check (currency ~ '^[a-z]{3}$'),
  status text not null check (length(status) between 1 and 40),
  demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (order_id, attempt)
);
create index card_intents_location_id_idx on app.card_intents (location_id);
create index card_intents_device_id_idx on app.card_intents (device_id);
create index card_intents_staff_id_idx on app.card_intents (staff_id);

alter table app.card_intents enable row level security;
revoke all on app.card_intents from public, anon, authenticated;

-- The demo gateway keeps its PaymentIntents and refunds here, as JSON in the gateway's
-- own shape, so the demo survives a restart and several app servers agree. No money moves.
create table app.demo_gateway_objects (
  id text primary key,
  kind text not null check (kind in ('payment_intent','refund')),
  idempotency_key text unique,
  payment_intent_id text,
  data jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index demo_gateway_objects_payment_intent_idx on app.demo_gateway_objects (payment_intent_id);

alter table app.demo_gateway_objects enable row level security;
revoke all on app.demo_gateway_objects from public, anon, authenticated;

-- Webhook and refund reconciliation look refunds up by Stripe's id (unique already) and
-- order payments by PaymentIntent id (unique already); open items by order are indexed
-- in migration 400.
