// POST /api/payments/intents/:id/demo-process { tipCents? } → the demo reader presents a
// card (demo mode only: 404 when Stripe keys are set), answered like confirm. The demo
// stands in for Stripe's reader test helper:
// https://docs.stripe.com/api/terminal/readers/present_payment_method
import type { APIRoute } from 'astro';
import { demoProcessSchema, intentIdSchema } from '../../../../../shared/domain/payments.ts';
import { parseOrThrow } from '../../../../../shared/errors.ts';
import { requireDevice } from '../../../../../server/auth/principal.ts';
import { json } from '../../../../../server/http/respond.ts';
import { demoGateway } from '../../../../../server/payments/config.ts';
import { readOptionalJson } from '../../../../../server/payments/http.ts';
import { demoProcess } from '../../../../../server/payments/intents.ts';
import { AppError } from '../../../../../shared/errors.ts';

export const POST: APIRoute = async ({ params, request, locals }) => {
  const device = requireDevice(locals.principal);
  if (!demoGateway()) throw new AppError('NOT_FOUND', 'There is no demo reader: this server takes real card payments through Stripe.');
  const id = parseOrThrow(intentIdSchema, params.id, 'The PaymentIntent id');
  const { tipCents } = await readOptionalJson(request, demoProcessSchema);
  return json(await demoProcess(device, id, tipCents));
};
