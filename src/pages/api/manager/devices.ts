// GET /api/manager/devices?locationId: each tablet's last contact, sync progress, refusals.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { listDevices } from '../../../server/manager/devices.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(z.object({ locationId: z.uuid().optional() }), Object.fromEntries(url.searchParams), 'The filter');
  return json({ devices: await withClaims(user.claims, (tx) => listDevices(tx, q.locationId)) });
};
