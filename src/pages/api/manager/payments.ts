// GET /api/manager/payments?locationId&day: one day's payments with what is left to refund
// on each. Refunds themselves are POST /api/payments/refunds.
import type { APIRoute } from 'astro';
import { dayQuerySchema } from '../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { dayPayments } from '../../../server/manager/report.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(dayQuerySchema, Object.fromEntries(url.searchParams), 'The request');
  return json({ payments: await withClaims(user.claims, (tx) => dayPayments(tx, q.locationId, q.day)) });
};
