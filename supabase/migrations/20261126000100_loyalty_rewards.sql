-- Loyalty rewards (issue #4): a location turns points into money off an order at a fixed
-- rate, e.g. 100 points = $5.00 off. Whole rewards only; the tablet shows the offer when the
-- attached customer's balance covers one, and the server applies loyalty.redeem with an
-- order id as a discount on that order (src/server/mutators/customers.ts).
alter table public.locations
  add column loyalty_reward_points integer not null default 100 check (loyalty_reward_points between 1 and 1000000),
  add column loyalty_reward_cents integer not null default 500 check (loyalty_reward_cents between 0 and 100000);
