// POST /api/payments/intents/:id/cancel → { status: 'canceled' } for a customer who walks
// away; 409 if the payment already went through (a manager refunds it instead).
// Stripe API: https://docs.stripe.com/api/payment_intents/cancel
import type { APIRoute } from 'astro';
import { intentIdSchema } from '../../../../../shared/domain/payments.ts';
import { parseOrThrow } from '../../../../../shared/errors.ts';
import { requireDevice } from '../../../../../server/auth/principal.ts';
import { json } from '../../../../../server/http/respond.ts';
import { cancelIntent } from '../../../../../server/payments/intents.ts';

export const POST: APIRoute = async ({ params, locals }) => {
  const device = requireDevice(locals.principal);
  const id = parseOrThrow(intentIdSchema, params.id, 'The PaymentIntent id');
  return json(await cancelIntent(device, id));
};
