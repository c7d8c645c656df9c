// DELETE /api/devices/:id: revokes a device; its next request gets 401.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { revokeDevice } from '../../../server/auth/devices.ts';
import { json } from '../../../server/http/respond.ts';

export const DELETE: APIRoute = async ({ params, locals }) => {
  const user = requireUser(locals.principal);
  const id = parseOrThrow(z.uuid(), params.id, 'The device id');
  await revokeDevice(user.claims, id);
  return json({ ok: true, deviceId: id });
};
