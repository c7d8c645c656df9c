// POST /api/manager/inbox/:id { action, note?, quantity?, amountCents? }: resolves one
// reconciliation item, with its effect and an audit row, in one transaction ("refund"
// asks the card gateway first: inbox-refund.ts).
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { resolveSchema } from '../../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../../shared/errors.ts';
import { requireUser } from '../../../../server/auth/principal.ts';
import { withClaims } from '../../../../server/db/index.ts';
import { json, readJson } from '../../../../server/http/respond.ts';
import { refundFromInbox } from '../../../../server/manager/inbox-refund.ts';
import { resolveItem } from '../../../../server/manager/reconciliation.ts';

export const POST: APIRoute = async ({ locals, params, request }) => {
  const user = requireUser(locals.principal);
  const id = parseOrThrow(z.uuid(), params.id, 'The item id');
  const body = await readJson(request, resolveSchema);
  if (body.action === 'refund') return json(await refundFromInbox(user, id, body));
  return json(await withClaims(user.claims, (tx) => resolveItem(tx, id, body)));
};
