// GET /api/manager/passes?locationId&customerId: one member's passes (plan, credits left,
// validity, classes used), for a manager of a location of the member's organization.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { memberPassesOf } from '../../../server/manager/people.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(z.object({ locationId: z.uuid(), customerId: z.uuid() }), Object.fromEntries(url.searchParams), 'The request');
  return json(await withClaims(user.claims, (tx) => memberPassesOf(tx, q.locationId, q.customerId)));
};
