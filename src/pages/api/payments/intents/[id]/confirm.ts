// POST /api/payments/intents/:id/confirm → what Stripe says happened (captured if it needed
// it), and the payment recorded once if it succeeded. The tablet's word is never taken.
// Stripe API: https://docs.stripe.com/api/payment_intents/retrieve and
// https://docs.stripe.com/api/payment_intents/capture
import type { APIRoute } from 'astro';
import { intentIdSchema } from '../../../../../shared/domain/payments.ts';
import { parseOrThrow } from '../../../../../shared/errors.ts';
import { requireDevice } from '../../../../../server/auth/principal.ts';
import { json } from '../../../../../server/http/respond.ts';
import { confirmIntent } from '../../../../../server/payments/intents.ts';

export const POST: APIRoute = async ({ params, locals }) => {
  const device = requireDevice(locals.principal);
  const id = parseOrThrow(intentIdSchema, params.id, 'The PaymentIntent id');
  return json(await confirmIntent(device, id));
};
