// POST /api/devices { locationId, name } → { deviceId, credential } (manager only; the
// credential is shown this once).
import type { APIRoute } from 'astro';
import { deviceRegisterSchema } from '../../../shared/domain/auth.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { registerDevice } from '../../../server/auth/devices.ts';
import { json, readJson } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const user = requireUser(locals.principal);
  const input = await readJson(request, deviceRegisterSchema, 16 * 1024);
  const d = await registerDevice(user.claims, input);
  return json({ deviceId: d.deviceId, credential: d.credential, code: d.code }, 201);
};
