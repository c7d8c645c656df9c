// GET /api/manager/report?locationId&day: the day report (provisional until every tablet
// of the location has synced since the day ended).
import type { APIRoute } from 'astro';
import { dayQuerySchema } from '../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { dayReport } from '../../../server/manager/report.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(dayQuerySchema, Object.fromEntries(url.searchParams), 'The report request');
  return json(await withClaims(user.claims, (tx) => dayReport(tx, q.locationId, q.day)));
};
