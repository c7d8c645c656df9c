// POST /api/payments/intents { orderId, amountCents?, attempt?, staffId? } → a card_present
// PaymentIntent for what the synced order still owes (DESIGN §8); the same attempt returns
// the same intent. Stripe API: https://docs.stripe.com/api/payment_intents/create
import type { APIRoute } from 'astro';
import { intentCreateSchema } from '../../../shared/domain/payments.ts';
import { requireDevice } from '../../../server/auth/principal.ts';
import { json } from '../../../server/http/respond.ts';
import { readPaymentJson } from '../../../server/payments/http.ts';
import { createIntent } from '../../../server/payments/intents.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const device = requireDevice(locals.principal);
  const input = await readPaymentJson(request, intentCreateSchema);
  return json(await createIntent(device, input));
};
