// POST /api/manager/drawers/:id/close { countedCents, note? }: closes a drawer with the
// manager's count, through the same server mutator the tablets use (audited).
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { drawerCloseSchema } from '../../../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../../../shared/errors.ts';
import { requireUser } from '../../../../../server/auth/principal.ts';
import { withClaims } from '../../../../../server/db/index.ts';
import { json, readJson } from '../../../../../server/http/respond.ts';
import { closeDrawer } from '../../../../../server/manager/drawers.ts';

export const POST: APIRoute = async ({ locals, params, request }) => {
  const user = requireUser(locals.principal);
  const id = parseOrThrow(z.uuid(), params.id, 'The drawer id');
  const body = await readJson(request, drawerCloseSchema);
  return json(await withClaims(user.claims, (tx) => closeDrawer(tx, id, body.countedCents, body.note)));
};
