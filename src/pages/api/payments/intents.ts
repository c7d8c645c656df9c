// POST /api/payments/intents { orderId, amountCents?, attempt?, staffId? } → a card_present
// PaymentIntent for what the synced order still owes (DESIGN §8); or { pass: { passId,
// planId, customerId }, … } for a pass the front desk sells, priced from the plan. The same
// attempt returns the same intent. Stripe API: https://docs.stripe.com/api/payment_intents/create
import type { APIRoute } from 'astro';
import { intentCreateSchema } from '../../../shared/domain/payments.ts';
import { requireDevice } from '../../../server/auth/principal.ts';
import { json } from '../../../server/http/respond.ts';
import { readPaymentJson } from '../../../server/payments/http.ts';
import { createIntent } from '../../../server/payments/intents.ts';
import { createPassIntent } from '../../../server/payments/pass-sales.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const device = requireDevice(locals.principal);
  const input = await readPaymentJson(request, intentCreateSchema);
  return json(await ('pass' in input ? createPassIntent(device, input) : createIntent(device, input)));
};
