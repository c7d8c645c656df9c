// POST /api/devices/token { deviceId, credential } → { accessToken, expiresAt } (15 minutes).
import type { APIRoute } from 'astro';
import { deviceTokenSchema } from '../../../shared/domain/auth.ts';
import { exchangeDeviceToken } from '../../../server/auth/devices.ts';
import { json, readJson } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const input = await readJson(request, deviceTokenSchema, 16 * 1024);
  return json(await exchangeDeviceToken(input, locals.clientIp));
};
