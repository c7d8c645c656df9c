// POST /api/auth/signout: ends the session everywhere (it is deleted server-side).
import type { APIRoute } from 'astro';
import { deleteSession, SESSION_COOKIE } from '../../../server/auth/sessions.ts';
import { json } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ cookies }) => {
  const token = cookies.get(SESSION_COOKIE)?.value;
  if (token) await deleteSession(token);
  cookies.delete(SESSION_COOKIE, { path: '/' });
  return json({ ok: true });
};
