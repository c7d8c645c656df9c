// GET /api/manager/drawers?locationId: open drawers and those closed in the last week,
// with expected and counted cash and the variance.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { listDrawers } from '../../../server/manager/drawers.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(z.object({ locationId: z.uuid().optional() }), Object.fromEntries(url.searchParams), 'The filter');
  return json({ drawers: await withClaims(user.claims, (tx) => listDrawers(tx, q.locationId)) });
};
