// GET /api/manager/people?locationId: staff (roles, locations, whether a PIN is set), plans
// and members of the organization of a location the manager manages.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { peopleOf } from '../../../server/manager/people.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(z.object({ locationId: z.uuid() }), Object.fromEntries(url.searchParams), 'The request');
  return json(await withClaims(user.claims, (tx) => peopleOf(tx, q.locationId)));
};
