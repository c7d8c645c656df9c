// POST /api/payments/connection-token → { secret, location, demo }: a Stripe Terminal
// connection token for this device's location (DESIGN §8). In demo mode, a demo token.
// Stripe API: https://docs.stripe.com/api/terminal/connection_tokens/create
import type { APIRoute } from 'astro';
import { requireDevice } from '../../../server/auth/principal.ts';
import { json } from '../../../server/http/respond.ts';
import { connectionToken } from '../../../server/payments/intents.ts';

export const POST: APIRoute = async ({ locals }) => {
  const device = requireDevice(locals.principal);
  return json(await connectionToken(device));
};
