-- Selling a pass by card at the front desk (issue #5: "sell a drop-in, a class pack or a
-- membership at the desk (cash, card when online, or pay later)"). A card intent is now
-- for an order OR for a pass sale: the desk names the pass it is selling (its new id,
-- the plan, the member) and the server prices it from the plan. The pass itself is made
-- when the card payment is recorded (src/server/payments/pass-sales.ts), by the same path
-- for the desk's confirm and for Stripe's webhook, so a desk that dies after the reader
-- approves still sells the pass, once; a declined card sells nothing.
alter table app.card_intents
  alter column order_id drop not null,
  add column pass_id uuid,
  add column plan_id uuid references public.plans(id),
  add column customer_id uuid references public.customers(id),
  add constraint card_intents_one_sale check ((order_id is null) <> (pass_id is null)),
  add constraint card_intents_pass_sale check (pass_id is null or (plan_id is not null and customer_id is not null)),
  add constraint card_intents_pass_attempt unique (pass_id, attempt);

-- The card payment that paid for a pass (cash pass sales stay orderless, as before).
alter table public.payments add column pass_id uuid references public.customer_passes(id);
create index payments_pass_id_idx on public.payments (pass_id);
