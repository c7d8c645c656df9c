// Which gateway this process uses, from the environment (DESIGN §2): Stripe when
// STRIPE_SECRET_KEY is set, the demo reader otherwise. Read once per process.
//   STRIPE_SECRET_KEY         sk_test_… / sk_live_… (or a restricted key with the same rights)
//   STRIPE_WEBHOOK_SECRET     whsec_… of the webhook endpoint /api/webhooks/stripe
//   STRIPE_TERMINAL_LOCATION  tml_…, used for locations without their own stripe_terminal_location
//   STRIPE_API_HOST / STRIPE_API_PORT / STRIPE_API_PROTOCOL  only to aim the SDK at a stand-in (tests)
import { createDemoGateway, type DemoGateway } from './demo-gateway.ts';
import type { PaymentGateway } from './gateway.ts';
import { createStripeGateway, stripeConfigFromEnv } from './stripe-gateway.ts';

let gateway: PaymentGateway | null = null;

export function getGateway(): PaymentGateway {
  if (!gateway) {
    const cfg = stripeConfigFromEnv();
    gateway = cfg ? createStripeGateway(cfg) : createDemoGateway();
  }
  return gateway;
}

/** For tests: use this gateway (null: read the environment again). */
export function setGateway(g: PaymentGateway | null): void {
  gateway = g;
}

export function demoGateway(): DemoGateway | null {
  const g = getGateway();
  return g.demo ? (g as DemoGateway) : null;
}

export function webhookSecret(): string | null {
  return process.env.STRIPE_SECRET_KEY && process.env.STRIPE_WEBHOOK_SECRET ? process.env.STRIPE_WEBHOOK_SECRET : null;
}

export function defaultTerminalLocation(): string | null {
  return process.env.STRIPE_TERMINAL_LOCATION || null;
}
