// POST /api/webhooks/stripe: Stripe's events, signature checked on the raw body, each
// event applied once (DESIGN §8). 400 for a bad or stale signature (nothing written);
// 200 for an event type we do not handle.
// Stripe API: https://docs.stripe.com/api/events/object and https://docs.stripe.com/webhooks#verify-events
import type { APIRoute } from 'astro';
import { json } from '../../../server/http/respond.ts';
import { readRawBody } from '../../../server/payments/http.ts';
import { handleStripeWebhook } from '../../../server/payments/webhooks.ts';

export const POST: APIRoute = async ({ request }) => {
  const raw = await readRawBody(request);
  return json(await handleStripeWebhook(raw, request.headers.get('stripe-signature')));
};
