// POST /api/devices/pair { code } → the device and its credential (a tablet at /setup,
// with the one-time code a manager got at the console). Rate-limited like the token
// exchange; a used, expired or mistyped code gets 401 and changes nothing.
import type { APIRoute } from 'astro';
import { devicePairSchema } from '../../../shared/domain/auth.ts';
import { pairDevice } from '../../../server/auth/devices.ts';
import { json, readJson } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const input = await readJson(request, devicePairSchema, 4 * 1024);
  return json(await pairDevice(input.code, locals.clientIp));
};
