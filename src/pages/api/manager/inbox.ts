// GET /api/manager/inbox?locationId&kind&deviceId&status: the reconciliation inbox of the
// signed-in manager's locations, newest first (issue #7).
import type { APIRoute } from 'astro';
import { inboxQuerySchema } from '../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../shared/errors.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json } from '../../../server/http/respond.ts';
import { listInbox } from '../../../server/manager/reconciliation.ts';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requireUser(locals.principal);
  const q = parseOrThrow(inboxQuerySchema, Object.fromEntries(url.searchParams), 'The filter');
  return json({ items: await withClaims(user.claims, (tx) => listInbox(tx, q)) });
};
