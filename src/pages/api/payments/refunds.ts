// POST /api/payments/refunds { refundId, paymentId, amountCents, reason? } (a signed-in
// owner or manager): card refunds through Stripe, cash on the ledger, never past what was
// paid. Stripe API: https://docs.stripe.com/api/refunds/create
import type { APIRoute } from 'astro';
import { refundCreateSchema } from '../../../shared/domain/payments.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { json } from '../../../server/http/respond.ts';
import { readPaymentJson } from '../../../server/payments/http.ts';
import { createRefund } from '../../../server/payments/refunds.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const user = requireUser(locals.principal);
  const input = await readPaymentJson(request, refundCreateSchema);
  return json(await createRefund(user, input));
};
