-- Registering a tablet from the console (issue #7: "register, rename, revoke" on the
-- devices page). The manager makes the device at the console and gets a short pairing
-- code (and a /setup link carrying it); the tablet trades the code for its credential at
-- /setup, with no manager signing in on the tablet. A code works once, for 30 minutes;
-- only its hash is kept. Trading it sets a fresh credential, so the code is all the
-- console ever shows.
create table app.device_pairings (
  code_hash text primary key,
  device_id uuid not null references public.devices(id),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index device_pairings_device_id_idx on app.device_pairings (device_id);
alter table app.device_pairings enable row level security;
revoke all on app.device_pairings from public, anon, authenticated;
