// GET /api/manager/devices?locationId: each tablet's last contact, sync progress, refusals.
// POST /api/manager/devices { locationId, name }: register a tablet from the console; the
// answer's pairing code (once, 30 minutes) is typed or opened as a link on the tablet.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { deviceRegisterSchema } from '../../../shared/domain/auth.ts';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { startPairing } from '../../../server/auth/devices.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json, readJson } from '../../../server/http/respond.ts';
import { listDevices } from '../../../server/manager/devices.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(z.object({ locationId: z.uuid().optional() }), Object.fromEntries(url.searchParams), 'The filter');
  return json({ devices: await withClaims(user.claims, (tx) => listDevices(tx, q.locationId)) });
};

export const POST: APIRoute = async ({ locals, request }) => {
  const user = requireUser(locals.principal);
  const input = await readJson(request, deviceRegisterSchema, 16 * 1024);
  return json(await startPairing(user.claims, input), 201);
};
