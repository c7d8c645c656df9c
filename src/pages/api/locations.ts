// GET /api/locations: the locations the signed-in user manages (RLS decides which).
import type { APIRoute } from 'astro';
import { requireUser } from '../../server/auth/principal.ts';
import { withClaims } from '../../server/db/index.ts';
import { json } from '../../server/http/respond.ts';

export const GET: APIRoute = async ({ locals }) => {
  const user = requireUser(locals.principal);
  const { rows } = await withClaims(user.claims, (tx) =>
    tx.query(
      `select id, name, organization_id as "organizationId", timezone, currency, tax_rate_bps as "taxRateBps", screens
       from public.locations where not deleted and id in (select app.user_location_ids()) order by name`,
    ),
  );
  return json({ locations: rows });
};
