// POST /api/auth/signin { email, password } → session cookie (DESIGN §5, §10).
import type { APIRoute } from 'astro';
import { signinSchema } from '../../../shared/domain/auth.ts';
import { KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_SECONDS, signIn } from '../../../server/auth/signin.ts';
import { SESSION_COOKIE, SESSION_SECONDS } from '../../../server/auth/sessions.ts';
import { json, readJson } from '../../../server/http/respond.ts';
import { isHttps } from '../../../server/http/security.ts';

export const POST: APIRoute = async ({ request, cookies, locals, url }) => {
  const input = await readJson(request, signinSchema, 16 * 1024);
  const s = await signIn(input, {
    ip: locals.clientIp,
    userAgent: request.headers.get('user-agent'),
    knownDeviceCookie: cookies.get(KNOWN_DEVICE_COOKIE)?.value,
  });
  const secure = isHttps(url, request.headers);
  cookies.set(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_SECONDS });
  cookies.set(KNOWN_DEVICE_COOKIE, s.knownDevice, { httpOnly: true, sameSite: 'strict', secure, path: '/api/auth', maxAge: KNOWN_DEVICE_SECONDS });
  return json({ userId: s.userId, expiresAt: s.expiresAt.toISOString() });
};
