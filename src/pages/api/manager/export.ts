// GET /api/manager/export?locationId&day&what=orders|payments|checkins: one day as CSV.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { dayQuerySchema } from '../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { dayCsv } from '../../../server/manager/report.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(dayQuerySchema.extend({ what: z.enum(['orders', 'payments', 'checkins']) }), Object.fromEntries(url.searchParams), 'The export request');
  const csv = await withClaims(user.claims, (tx) => dayCsv(tx, q.locationId, q.what, q.day));
  return new Response(csv, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${q.what}-${q.day ?? 'today'}.csv"`, 'cache-control': 'no-store' },
  });
};
