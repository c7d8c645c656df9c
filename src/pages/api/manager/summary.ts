// GET /api/manager/summary: the manager's locations and their open reconciliation counts
// (the badge on every console page).
import type { APIRoute } from 'astro';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { managedLocations } from '../../../server/manager/access.ts';
import { openCounts } from '../../../server/manager/reconciliation.ts';

export const GET: APIRoute = async ({ locals }) => {
  const user = requireUser(locals.principal);
  return json(await withClaims(user.claims, async (tx) => ({ locations: await managedLocations(tx), open: await openCounts(tx) })));
};
